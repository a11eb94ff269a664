"""lead: half of each page left free, so a step's rewrite of its whole batch stays in place

Every step rewrites all the leads of its batch in one transaction (enrich, score, the stage
moves, a re-score of the base). The rows of a batch lie together, so each page must hold the
new version of every one of its rows beside the old, which nothing may remove before the
transaction ends. Migration 0012's fillfactor of 80 left room for about a quarter of a page's
rows (47 of 177 leads in tests/core/integration/test_lead_rewrites_in_place.py): the rest
were full rewrites (the row moved to a new page, a new entry in each of lead's 8 indexes). At
50 every row's new version fits; after the commit the next visit prunes the old ones, with no
VACUUM.

Measured on PostgreSQL (docs/scaling.md, 2026-12-07, eleventh session): a re-score of 973,555
stored leads, every score moving, 123-136 s -> 79 s, heap-only rewrites 24% -> 98%, lead's
indexes after it 399-471 MB -> 238 MB; 100k rows through the pipeline on a base of a million,
heap-only rewrites 36% -> 52%. The price: rows never rewritten take about 1.6 times the pages
(a million stored leads 425 -> 696 MB).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 07:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # Pages written from now on leave the room; a stored base keeps its pages as they are
        # until the table is rewritten (VACUUM FULL lead, or pg_repack without the lock).
        op.execute("ALTER TABLE lead SET (fillfactor = 50)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE lead SET (fillfactor = 80)")
