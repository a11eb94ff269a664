"""`leadflow merges`: the fuzzy-merge review queue, undo, and the weights ingest scores with."""

from __future__ import annotations

import getpass
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table
from leadflow.cli.console import console, fail

merges_app = typer.Typer(help="Fuzzy merges: review queue, undo, weights.", no_args_is_help=True)


def _who() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name in this environment (a bare container)
        return "cli"


def _policy():  # type: ignore[no-untyped-def]
    from leadflow.dedupe.policy import load_matching
    from leadflow.core.settings import get_settings

    return load_matching(get_settings().ingest_dir)


def _person(lead) -> str:  # type: ignore[no-untyped-def]
    parts = [lead.full_name or "", lead.company or "", lead.email]
    return escape(" / ".join(p for p in parts if p))


@merges_app.command("review")
def review_cmd(limit: int = 100) -> None:
    """Open pairs, most likely first: the stored lead, the lead a row created, the evidence."""
    from leadflow.core.db import session_scope
    from leadflow.dedupe.merging.review import open_pairs

    with session_scope() as session:
        pairs = open_pairs(session, limit)
        table = Table(
            "id",
            "p",
            "stored lead",
            "new lead",
            "deciding fields",
            title=f"{len(pairs)} open pairs",
        )
        for pair, stored, new in pairs:
            fields = ", ".join(f"{name}: {d.get('level')}" for name, d in pair.deciding.items())
            table.add_row(
                str(pair.id),
                f"{pair.probability:.3f}",
                f"{stored.id} {_person(stored)}",
                f"{new.id} {_person(new)}",
                escape(fields),
            )
    console.print(table)


@merges_app.command("resolve")
def resolve_cmd(
    pair_id: int,
    merge: Annotated[bool, typer.Option("--merge/--distinct", help="Same person, or two people.")],
) -> None:
    """Decide an open pair: --merge folds the new lead into the stored one, --distinct keeps both."""
    from leadflow.core.clock import utcnow
    from leadflow.core.db import session_scope
    from leadflow.dedupe.merging.review import keep_apart, merge_pair
    from leadflow.core.errors import MergeError

    try:
        with session_scope() as session:
            if merge:
                event_id = merge_pair(session, pair_id, _policy(), _who(), utcnow())
                console.print(
                    f"merged pair {pair_id} (undo with `leadflow merges undo {event_id}`)"
                )
            else:
                keep_apart(session, pair_id, _who(), utcnow())
                console.print(f"pair {pair_id}: kept as two people")
    except MergeError as exc:
        fail(str(exc))


@merges_app.command("undo")
def undo_cmd(event_id: int) -> None:
    """Split a fuzzy merge back out (the id is in the merge decision and `resolve`'s output)."""
    from leadflow.core.clock import utcnow
    from leadflow.core.db import session_scope
    from leadflow.core.errors import MergeError
    from leadflow.dedupe.merging.undo import undo

    try:
        with session_scope() as session:
            result = undo(session, event_id, _who(), utcnow())
    except MergeError as exc:
        fail(str(exc))
    if result.already:
        console.print(f"merge {event_id} was already undone: nothing changed")
        return
    console.print(
        f"merge {event_id} undone: rows back on lead {result.lead_id}; "
        f"restored {', '.join(result.restored) or 'no fields'}"
    )
    if result.conflicts:
        console.print(
            f"[yellow]changed since the merge, left as they are:[/] {', '.join(result.conflicts)}"
        )


@merges_app.command("fit")
def fit_cmd() -> None:
    """Learn the match weights on the stored leads (no labels) and save them for ingest."""
    from leadflow.dedupe.policy import weights_path
    from leadflow.core.db import session_scope
    from leadflow.dedupe.merging.fit import fit_weights
    from leadflow.core.errors import MergeError
    from leadflow.dedupe.merging.scoring import save_weights
    from leadflow.core.settings import get_settings

    policy = _policy()
    path = weights_path(get_settings().ingest_dir, policy)
    try:
        with session_scope() as session:
            weights = fit_weights(session, path)
    except MergeError as exc:
        fail(str(exc))
    save_weights(path, weights)
    table = Table(
        "field",
        "level bits (different .. exact)",
        title=f"weights v{weights.version}: {weights.fitted_on} leads, prior {weights.prior:.2e}",
    )
    for name, w in weights.fields.items():
        table.add_row(name, "  ".join(f"{b:+.1f}" for b in w.bits))
    console.print(table)
    console.print(f"wrote {path}")


@merges_app.command("reindex")
def reindex_cmd() -> None:
    """Recompute the leads' match keys (after upgrading, or changing the mailbox rules)."""
    from leadflow.core.db import session_scope
    from leadflow.dedupe.merging.fit import reindex

    with session_scope() as session:
        count = reindex(session, _policy())
    console.print(f"reindexed {count} leads")


def register(app: typer.Typer) -> None:
    """Add the merge commands to the main CLI."""
    app.add_typer(merges_app, name="merges")
