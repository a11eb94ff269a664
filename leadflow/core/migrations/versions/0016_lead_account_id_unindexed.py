"""lead: drop the index on account_id, which no query reads

No statement selects leads by their account: matching reads accounts by domain and core
name, routing reads the account of a lead it holds (by the account's key), and the one
report that joins accounts to leads (``leadflow score accounts``) aggregates every scored lead,
which a hash join does without it. Nothing deletes an account or changes its key, so the
foreign key never looks leads up by it either.

What the index cost: enrichment links most leads to their domain's account in the UPDATE
it writes anyway, and a rewrite that changes an indexed column is a full one on PostgreSQL
(a new entry in each of lead's indexes, the wide text keys among them) where one that
changes none stays heap-only (migrations 0012 and 0015). Before this, about half of the
ingest's rewrites of a lead were full ones (docs/scaling.md, 2026-12-08).

A view of an account's leads, when there is one, brings it back (or a partial index on the
leads it lists).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-08 02:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lead_account_id"))


def downgrade() -> None:
    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lead_account_id"), ["account_id"], unique=False)
