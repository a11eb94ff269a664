"""Offline: learn ingest's match weights on the stored leads, and (re)build their index keys."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from leadflow.dedupe.policy import MatchingPolicy
from leadflow.dedupe.engine.api import Matcher
from leadflow.dedupe.merging.keys import lead_keys
from leadflow.core.errors import MergeError
from leadflow.dedupe.merging.scoring import (
    BUILT_IN,
    FIELDS,
    FieldWeights,
    Weights,
    comparable,
    load_weights,
    match_config,
)
from leadflow.core.models import Lead

MIN_LEADS = (
    500  # below this EM has too few look-alike pairs to learn from; the built-in weights stay
)
CHUNK = 2000


def fit_weights(session: Session, previous: Path) -> Weights:
    """m and u per field and the prior, learned without labels (leadflow/dedupe/engine/em.py) on
    the stored leads. A field EM could not learn keeps its built-in weights."""
    columns = [Lead.is_free_mail, *(getattr(Lead, name) for name, _ in FIELDS)]
    records = [
        comparable(dict(row._mapping))
        for row in session.execute(
            select(*columns).order_by(Lead.id).execution_options(yield_per=CHUNK)
        )
    ]
    if len(records) < MIN_LEADS:
        raise MergeError(f"{len(records)} leads: at least {MIN_LEADS} are needed to fit weights")
    matcher = Matcher(match_config()).fit(records)
    assert matcher.model is not None
    fields = dict(BUILT_IN.fields)
    for fm in matcher.model.fields:
        if fm.m_estimated:
            fields[fm.name] = FieldWeights(
                tuple(float(x) for x in fm.m), tuple(float(x) for x in fm.u)
            )
    groups = tuple(tuple(g) for g in matcher.model.groups) or BUILT_IN.groups
    return Weights(
        matcher.model.prior, fields, groups, load_weights(previous).version + 1, len(records)
    )


def reindex(session: Session, policy: MatchingPolicy) -> int:
    """Recompute every lead's match keys (after 0006, or a change to the mailbox rules)."""
    names = (
        "id",
        "email",
        "first_name",
        "last_name",
        "full_name",
        "domain",
        "is_free_mail",
        "company",
    )
    box = policy.mailbox
    last, done = 0, 0
    while True:
        rows = session.execute(
            select(*(getattr(Lead, n) for n in names))
            .where(Lead.id > last)
            .order_by(Lead.id)
            .limit(CHUNK)
        ).all()
        if not rows:
            return done
        values = [
            {
                "l_id": row.id,
                **lead_keys(dict(row._mapping), box.gmail_dots, box.plus_tags).columns(),
            }
            for row in rows
        ]
        table = Lead.__table__
        session.execute(
            update(table)
            .where(table.c.id == bindparam("l_id"))
            .values(**{k: bindparam(k) for k in values[0] if k != "l_id"}),
            values,
        )
        last, done = rows[-1].id, done + len(rows)
