"""`leadflow dedupe`: duplicates in any file, or links between two, with weights learnt from it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from leadflow.cli.console import console, err, fail
from leadflow.cli.progress import ProgressChoice, bar_wanted, row_bar
from leadflow.core.errors import LeadflowError

if TYPE_CHECKING:
    from leadflow.dedupe.engine.files import FileReport


def dedupe(
    source: Path,
    out: Annotated[
        Path, typer.Option(help="CSV: every row with its cluster id and best match probability")
    ],
    config: Annotated[
        Optional[Path], typer.Option(help="YAML mapping columns to comparison kinds")
    ] = None,
    link: Annotated[
        Optional[Path], typer.Option(help="Link SOURCE to this file instead of deduping it")
    ] = None,
    write_config: Annotated[
        Optional[Path], typer.Option(help="Write the (inferred) config here")
    ] = None,
    progress: ProgressChoice = None,
) -> None:
    """Find duplicates in any file (or links between two), learning match weights from the data."""
    # Here, not at the top: the file readers and the matcher load openpyxl and numpy, which
    # `leadflow --help` and most commands do without.
    from leadflow.dedupe.engine.files import dedupe_file
    from leadflow.ingest.progress import count_rows

    for path in (source, config, link):
        if path is not None and not path.is_file():
            fail(f"file not found: {path}")
    show_bar = bar_wanted(err, progress)
    files = [str(source)] + ([str(link)] if link is not None else [])
    # Counted first, so the bar has its end from the start (a second read of each file).
    total = sum(count_rows(path) or 0 for path in files) if show_bar else None
    try:
        with row_bar(err, "dedupe", total, show_bar) as bar:
            report = dedupe_file(
                source,
                out,
                config=config,
                link=link,
                config_out=write_config,
                progress=bar.stages("dedupe"),
            )
    except (LeadflowError, ValueError) as exc:
        fail(str(exc))
    _print_report(report, out)


def _print_report(report: FileReport, out: Path) -> None:
    kinds = ", ".join(
        f"{f.name}={f.kind.value if hasattr(f.kind, 'value') else f.kind}"
        for f in report.config.fields
    )
    console.print(f"{'inferred' if report.inferred else 'configured'} comparisons: {kinds}")
    for guess in report.inference:
        kind = guess.kind or "not compared"
        console.print(f"  {guess.column}: {kind} ({guess.reason})", markup=False)
    if report.ignored_columns:
        console.print(f"ignored columns: {', '.join(report.ignored_columns)}")
    console.print(
        f"{report.rows} rows -> {report.clusters} clusters ({report.merged_rows} rows joined another), "
        f"{report.review_pairs} pairs for review; written to {out}"
    )
    console.print(
        "cluster sizes (records: clusters): "
        + ", ".join(f"{size}: {count}" for size, count in report.cluster_sizes.items())
    )


def register(app: typer.Typer) -> None:
    """Add `dedupe` to the main CLI."""
    app.command("dedupe")(dedupe)
