"""`leadflow score`: score a file, replay a proposed config, calibrate on outcomes."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional, TextIO

import typer
from rich.table import Table

from leadflow.cli.console import console, err, fail
from leadflow.cli.progress import ProgressChoice, bar_wanted, row_bar
from leadflow.cli.score_train import accounts_cmd, predict_cmd, train_cmd
from leadflow.core.errors import LeadflowError
from leadflow.core.settings import get_settings
from leadflow.ingest.policy import load_ingest
from leadflow.scoring.outcome_labels import OutcomeLabels, read_labels
from leadflow.scoring.policy import ScoringPolicy, load_scoring
from leadflow.scoring.tables import read_table

if TYPE_CHECKING:
    from leadflow.scoring.calibrate import Calibration

score_app = typer.Typer(
    help="Scoring: what-if on files, replay before switching on, calibration.", no_args_is_help=True
)
score_app.command("train")(train_cmd)
score_app.command("predict")(predict_cmd)
score_app.command("accounts")(accounts_cmd)


@score_app.command("file")
def file_cmd(
    source: Path,
    out: Annotated[Path, typer.Option(help="CSV to write (- for stdout)")],
    config: Annotated[
        Optional[Path], typer.Option(help="Scoring folder (default: the live one)")
    ] = None,
    progress: ProgressChoice = None,
) -> None:
    """Score every row of a file without storing anything; writes score, grade, reasons."""
    from leadflow.enrich.service import firmographics
    from leadflow.ingest.progress import count_rows
    from leadflow.routing.policy import load_routing
    from leadflow.scoring.score_file import score_file

    if not source.is_file():
        fail(f"file not found: {source}")
    to_stdout = str(out) == "-"
    show_bar = bar_wanted(err, progress, stdout_data=to_stdout)
    try:
        policy, aliases = _scoring_and_aliases(config)
        routing = load_routing(get_settings().routing_dir)
        total = count_rows(str(source)) if show_bar else None
        with (
            _csv_out(out) as handle,
            row_bar(err, f"score {source.name}", total, show_bar) as bar,
        ):
            counts = score_file(
                source, handle, policy, routing, firmographics(), aliases, bar.rows()
            )
    except LeadflowError as exc:
        fail(str(exc))
    # With the CSV on stdout the summary goes to stderr: stdout holds the CSV and nothing else.
    (err if to_stdout else console).print(
        f"wrote {'stdout' if to_stdout else out} ({policy.config_version}): "
        + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    )


def _scoring_and_aliases(config: Path | None) -> tuple[ScoringPolicy, dict[str, list[str]]]:
    """The scoring policy (``config`` or the live one) and ingest's column aliases."""
    settings = get_settings()
    policy = load_scoring(config or settings.scoring_dir)
    aliases = load_ingest(settings.ingest_dir).aliases
    return policy, {field: list(names) for field, names in aliases.items()}


@contextmanager
def _csv_out(out: Path) -> Iterator[TextIO]:
    """The CSV's destination: stdout for ``-`` (no BOM), else the file (with a BOM for Excel)."""
    if str(out) == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    with out.open("w", encoding="utf-8-sig", newline="") as handle:
        yield handle


ProposedConfig = Annotated[Optional[Path], typer.Option(help="Folder with the proposed icp.yaml")]
CandidateModel = Annotated[Optional[Path], typer.Option(help="A candidate model file to compare")]
ScoringFolder = Annotated[
    Optional[Path], typer.Option(help="Scoring folder (default: the live one)")
]


@score_app.command("simulate")
def simulate_cmd(config: ProposedConfig = None, model: CandidateModel = None) -> None:
    """Re-score stored leads with a proposed config or model, show what would change; writes nothing."""
    if model is not None:
        from leadflow.cli.score_train import simulate_model

        simulate_model(model)
        return
    if config is None:
        fail("give --config FOLDER (a proposed icp.yaml) or --model FILE (a candidate model)")
    from leadflow.core.db import session_scope
    from leadflow.scoring.replay import replay

    try:
        proposed = load_scoring(config)
        current = load_scoring(get_settings().scoring_dir)
        with session_scope() as session:
            diff = replay(session, current, proposed)
    except LeadflowError as exc:
        fail(str(exc))
        return
    table = Table(
        "measure", "value", title=f"{current.config_version} -> {proposed.config_version}"
    )
    table.add_row("leads re-scored", str(diff.leads))
    table.add_row("MQLs (hot) before -> after", f"{diff.hot_before} -> {diff.hot_after}")
    table.add_row("MQLs gained / lost", f"{len(diff.gained)} / {len(diff.lost)}")
    table.add_row(
        "grade shifts", ", ".join(f"{k} {v}" for k, v in diff.grade_shifts.most_common(8)) or "none"
    )
    table.add_row(
        "rules causing the changes",
        ", ".join(f"{k} {v}" for k, v in diff.causes.most_common(8)) or "none",
    )
    console.print(table)


@score_app.command("calibrate")
def calibrate_cmd(
    outcomes: Path,
    out: Annotated[Path, typer.Option(help="Where to write the proposed icp.yaml")],
    label: Annotated[str, typer.Option(help="converted or won (else the CRM stage)")] = "converted",
    config: ScoringFolder = None,
    force: Annotated[bool, typer.Option(help="Write a proposal that ranks worse")] = False,
) -> None:
    """Rank quality on closed outcomes (AUC, precision/recall at MQL) and propose fitted points."""
    from leadflow.core.db import session_scope
    from leadflow.scoring.replay import calibrate_on_outcomes, write_proposal

    folder = config or get_settings().scoring_dir
    try:
        policy = load_scoring(folder)
        labels = _outcome_labels(outcomes, label)
        with session_scope() as session:
            result, unmatched = calibrate_on_outcomes(session, labels, policy)
    except LeadflowError as exc:
        fail(str(exc))
    _print_calibration(result, unmatched, labels)
    if result.auc_after < result.auc_before and not force:
        loss = result.auc_after - result.auc_before
        fail(
            f"the proposal ranks worse than the current points (AUC {loss:+.3f} on held-out rows); "
            "nothing written (--force writes it anyway)",
            code=1,
        )
    write_proposal(folder / "icp.yaml", out, result)
    console.print(f"proposed points written to {out}: review them before switching on")


def _outcome_labels(outcomes: Path, label: str) -> OutcomeLabels:
    """The outcome file's rows as labels (line numbers as a spreadsheet shows them)."""
    table = read_table(outcomes)
    rows = (
        (n, {k: "" if v is None else str(v) for k, v in row.items()})
        for n, row in enumerate(table.rows, start=2)
    )
    return read_labels(rows, table.headers, label)


def _print_calibration(result: Calibration, unmatched: int, labels: OutcomeLabels) -> None:
    console.print(
        f"{result.rows} outcomes matched to leads ({unmatched} unmatched), {result.positives} "
        f"converted (from {labels.read_from}); held out {result.held_out}"
    )
    if labels.duplicates:
        console.print(
            f"{len(labels.duplicates)} leads have several outcome rows "
            f"({labels.conflicting} disagree; any converted row counts)"
        )
    if labels.skipped:
        console.print(
            f"{len(labels.skipped)} rows without a usable outcome, e.g. line "
            f"{labels.skipped[0][0]}: {labels.skipped[0][1]}"
        )
    console.print(
        f"AUC on held-out rows: current {result.auc_before:.3f} -> proposed {result.auc_after:.3f}"
    )
    console.print(
        f"at the MQL threshold, on held-out rows: precision {result.precision_at_mql:.2f}, "
        f"recall {result.recall_at_mql:.2f}"
    )
