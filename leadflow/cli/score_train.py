"""`leadflow score train`: fit the predictive score on outcomes and show how it compares."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from leadflow.cli.console import console, err, fail
from leadflow.core.errors import LeadflowError


def _inputs_table(run) -> None:  # type: ignore[no-untyped-def]
    data, report = run.data, run.report
    console.print(
        f"{report.rows} leads with an outcome ({report.positives} converted) from "
        f"{data.source}; split {report.split}: {report.train_rows} to train, "
        f"{report.held_out_rows} held out"
    )
    console.print(
        f"{len(data.kinds)} features: "
        + ", ".join(list(data.kinds)[:30])
        + (" ..." if len(data.kinds) > 30 else "")
    )
    for column, why in data.guard.dropped.items():
        console.print(f"  left out {column}: {why.value}")
    guard = data.guard
    if guard.activities_after_snapshot or guard.activities_unmatched:
        console.print(
            f"  activities dated after the snapshot, left out: {guard.activities_after_snapshot}; "
            f"for no known lead: {guard.activities_unmatched}"
        )
    for note in data.notes:
        console.print(f"  {note}")


def _quality_table(report) -> None:  # type: ignore[no-untyped-def]
    cv = ", ".join(f"{c.name} {c.cv_auc:.3f}" for c in report.candidates)
    console.print(f"cross-validated AUC on the training rows: {cv}; chosen: {report.chosen}")
    table = Table("on held-out rows", "AUC", "PR-AUC", "Brier", title="held-out quality")
    for name, q in (
        ("ICP rules alone", report.rules),
        ("plain logistic regression", report.baseline),
        (f"trained model ({report.chosen})", report.model),
    ):
        table.add_row(
            name, f"{q.auc:.3f}", f"{q.pr_auc:.3f}", "-" if q.brier is None else f"{q.brier:.4f}"
        )
    console.print(table)
    calibration = Table(
        "predicted", "rows", "mean predicted", "observed rate", title="calibration (held out)"
    )
    for b in report.calibration:
        calibration.add_row(
            f"{b.low:.2f}-{b.high:.2f}", str(b.rows), f"{b.predicted:.3f}", f"{b.observed:.3f}"
        )
    console.print(calibration)


def train_cmd(
    outcomes: Annotated[
        Path,
        typer.Argument(
            help="Leads with an outcome column, a CRM outcome export "
            "(with --leads), or an export folder"
        ),
    ],
    leads: Annotated[
        Optional[Path], typer.Option(help="Lead table to join a CRM outcome export to")
    ] = None,
    activities: Annotated[
        Optional[list[Path]],
        typer.Option("--activities", help="Activity log(s), one row per event"),
    ] = None,
    join: Annotated[
        Optional[list[Path]],
        typer.Option("--join", help="One row per id (accounts, contacts) to add to each lead"),
    ] = None,
    label: Annotated[
        Optional[str], typer.Option(help="Outcome column (default: converted, won, ...)")
    ] = None,
    as_of: Annotated[Optional[datetime], typer.Option(help="Snapshot date for every lead")] = None,
    snapshot_days: Annotated[
        Optional[int], typer.Option(help="Snapshot = created date + this many days")
    ] = None,
    exclude: Annotated[
        Optional[list[str]], typer.Option("--exclude", help="Column never to use")
    ] = None,
    config: Annotated[
        Optional[Path], typer.Option(help="Scoring folder (default: the live one)")
    ] = None,
    force: Annotated[
        bool, typer.Option(help="Write the model even when it does not beat the rules")
    ] = False,
) -> None:
    """Train a predictive score on outcomes; write a model only if it beats the ICP rules."""
    from leadflow.core.settings import get_settings
    from leadflow.scoring.policy import load_scoring
    from leadflow.scoring.train_service import train_from_files

    folder = config or get_settings().scoring_dir
    try:
        policy = load_scoring(folder)
        run = train_from_files(
            outcomes,
            policy,
            folder / "models",
            leads=leads,
            activities=activities,
            label=label,
            as_of=as_of,
            snapshot_days=snapshot_days,
            exclude=frozenset(exclude or ()),
            force=force,
            joins=join,
        )
    except LeadflowError as exc:
        fail(str(exc))
    _show_run(run)


def _show_run(run) -> None:  # type: ignore[no-untyped-def]
    """What went in, how the model did against the rules, and whether it was written."""
    _inputs_table(run)
    report = run.report
    _quality_table(report)
    margin = report.model.auc - report.rules.auc
    if report.beats_rules:
        console.print(
            f"the model beats the rules by {margin:+.3f} AUC (5% bootstrap bound "
            f"{report.gain_lower_bound:+.3f}); wrote {run.written} ({report.trained.version})"
        )
        return
    verdict = (
        f"the model does not beat the rules beyond chance: AUC {margin:+.3f} "
        f"(5% bootstrap bound {report.gain_lower_bound:+.3f})"
    )
    if run.written is not None:
        err.print(f"warning: {verdict}; written anyway (--force): {run.written}")
        return
    fail(f"{verdict}; the rules stay. No model written (--force writes it anyway).", code=1)


def simulate_model(path: Path) -> None:
    """Rules, the model in force and a candidate on stored leads: MQLs, and who moves."""
    from leadflow.core.db import session_scope
    from leadflow.scoring.model import load_model
    from leadflow.scoring.model_in_force import model_in_force
    from leadflow.scoring.model_replay import compare_models
    from leadflow.scoring.policy import scoring_policy

    try:
        policy = scoring_policy()
        if not policy.thresholds.by_probability:
            fail(
                "set thresholds.hot_probability and warm_probability in icp.yaml to compare models"
            )
        candidate, current = load_model(path), model_in_force(policy)
        with session_scope() as session:
            diff = compare_models(session, policy, current, candidate)
    except LeadflowError as exc:
        fail(str(exc))
    table = Table(
        "measure", "value", title=f"{diff.current_version or 'rules'} -> {diff.candidate_version}"
    )
    table.add_row("leads re-scored", str(diff.leads))
    table.add_row("MQLs (hot): rules alone", str(diff.hot["rules"]))
    table.add_row(
        "MQLs (hot): current model",
        str(diff.hot["current"]) if diff.current_version else "no model in force",
    )
    table.add_row("MQLs (hot): candidate", str(diff.hot["candidate"]))
    table.add_row("MQLs gained / lost", f"{len(diff.gained)} / {len(diff.lost)}")
    table.add_row("leads gained", ", ".join(map(str, diff.gained[:20])) or "none")
    table.add_row("leads lost", ", ".join(map(str, diff.lost[:20])) or "none")
    console.print(table)


def predict_cmd(
    source: Annotated[Path, typer.Argument(help="Lead table (CSV, XLSX, JSON, Parquet)")],
    out: Annotated[Path, typer.Option(help="CSV to write")],
    model: Annotated[
        Optional[Path], typer.Option(help="Model file (default: the one in force)")
    ] = None,
    config: Annotated[
        Optional[Path], typer.Option(help="Scoring folder (default: the live one)")
    ] = None,
) -> None:
    """Score a lead table with a trained model: probability and top contributions per row."""
    import csv

    from leadflow.core.settings import get_settings
    from leadflow.scoring.model import current_model_path, load_model
    from leadflow.scoring.tables import read_table

    folder = config or get_settings().scoring_dir
    try:
        path = model or current_model_path(folder / "models")
        if path is None:
            fail(f"no model in force in {folder / 'models'}: run `leadflow score train` first")
        trained, table = load_model(path), read_table(source)
    except LeadflowError as exc:
        fail(str(exc))
    probabilities = trained.probabilities(table.rows) if table.rows else []
    with out.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*table.headers, "probability", "model_version", "contributions"])
        for row, p in zip(table.rows, probabilities, strict=True):
            top = trained.contributions(row, top=5)
            writer.writerow(
                [
                    *(row.get(h) for h in table.headers),
                    f"{p:.4f}",
                    trained.version,
                    "; ".join(f"{name} {value:+.2f}" for name, value in top),
                ]
            )
    console.print(f"wrote {out}: {len(table.rows)} rows scored by {trained.version}")


def accounts_cmd(
    limit: Annotated[int, typer.Option(help="How many accounts to list")] = 30,
) -> None:
    """Accounts scored together: combined engagement of their leads, best score, hot leads."""
    from leadflow.core.db import session_scope
    from leadflow.scoring.accounts import account_scores

    with session_scope() as session:
        scores = account_scores(session, limit)
    table = Table(
        "account",
        "leads",
        "hot",
        "best score",
        "best fit",
        "engagement (sum, cap 100)",
        title="accounts by combined engagement",
    )
    for s in scores:
        table.add_row(
            s.domain,
            str(s.leads),
            str(s.hot_leads),
            str(s.best_score),
            str(s.best_fit),
            str(s.engagement),
        )
    console.print(table)
