"""`leadflow ab`: A/B variants of nurture steps: results with confidence intervals, promotion.

Mount with ``app.add_typer(ab_app, name="ab")``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Optional

import typer
from rich.table import Table

from leadflow.cli.console import console, fail
from leadflow.core.errors import LeadflowError

ab_app = typer.Typer(
    help="A/B variants of nurture steps: results and promotion.", no_args_is_help=True
)
At = Annotated[Optional[datetime], typer.Option("--at", help="Simulated time (ISO 8601, UTC).")]
Step = Annotated[int, typer.Argument(help="The step's number, from 1.")]


def _shown(result, count: int) -> str:  # type: ignore[no-untyped-def]
    rate, low, high = result.rate(count)
    return f"{count} ({rate:.1%}, 95% CI {low:.1%}-{high:.1%})"


@ab_app.command("report")
def report(sequence: str, step: Step) -> None:
    """Per variant: emails sent, human opens and clicks, conversions, with Wilson intervals."""
    from leadflow.core.db import session_scope
    from leadflow.nurture.policy import nurture_policy
    from leadflow.nurture.variant_store import promotions, variant_results

    try:
        policy = nurture_policy()
        minimum = policy.sequence(sequence).steps[step - 1].min_sample
        with session_scope() as session:
            results = variant_results(session, sequence, step - 1)
            winner = promotions(session).get((sequence, step - 1))
    except (LeadflowError, StopIteration, IndexError) as exc:
        fail(f"no step {step} of {sequence!r}: {exc}")
    table = Table("variant", "sent", "opened (human)", "clicked (human)", "converted")
    for r in results:
        table.add_row(
            r.variant + (" (promoted)" if r.variant == winner else ""),
            str(r.sent),
            _shown(r, r.opened),
            _shown(r, r.clicked),
            _shown(r, r.converted),
        )
    console.print(table)
    console.print(f"min_sample {minimum} sends per variant before promotion", highlight=False)


@ab_app.command("promote")
def promote(
    sequence: str,
    step: Step,
    variant: str,
    force: Annotated[bool, typer.Option("--force", help="Before min_sample is reached.")] = False,
    at: At = None,
) -> None:
    """Make VARIANT the step's winner: every later send of the step uses it."""
    from leadflow.core.clock import as_utc
    from leadflow.core.db import session_scope
    from leadflow.nurture.policy import nurture_policy
    from leadflow.nurture.variant_store import promote as promote_variant

    try:
        with session_scope() as session:
            promote_variant(
                session, nurture_policy(), sequence, step - 1, variant, as_utc(at), force
            )
    except (LeadflowError, StopIteration) as exc:
        fail(str(exc))
    console.print(f"{sequence} step {step}: variant {variant} promoted", highlight=False)
