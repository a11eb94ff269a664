"""lead_name_count: live leads per name key, kept by triggers, so ingest reads how common a
name is by primary key instead of counting the lead table every batch

Revision ID: 0009
Revises: 0008c
Create Date: 2026-12-05 11:40:00

Also an index on source_record (campaign_id, lead_id) for the per-batch membership count.

The row with name_key '' holds the number of live leads (a live lead: suppression_reason is not
'merged'). Triggers, not application code, because leads are written by ingest, review merges,
undo and erasure alike: every writer keeps the counts right, including ones added later.
PostgreSQL counts inserts and deletes per statement (transition tables, keys locked in order);
SQLite has row triggers only. Updates are row triggers on the two columns that matter, with a
WHEN clause so the enrich and scoring updates of other columns never run them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008c'
branch_labels = None
depends_on = None

LIVE = "({t}.suppression_reason IS NULL OR {t}.suppression_reason <> 'merged')"
UPSERT = "ON CONFLICT (name_key) DO UPDATE SET n = lead_name_count.n + excluded.n"


def _row_delta(*rows: tuple[str, int]) -> str:
    """Count changes for row triggers: (OLD, -1) and/or (NEW, 1)."""
    parts = []
    for row, sign in rows:
        live = LIVE.format(t=row)
        parts += [f"SELECT {row}.name_key AS k, {sign} AS c WHERE {live}",
                  f"SELECT '' AS k, {sign} AS c WHERE {live}"]
    union = " UNION ALL ".join(parts)
    return f"""INSERT INTO lead_name_count (name_key, n)
        SELECT k, sum(c) FROM ({union}) AS d WHERE k IS NOT NULL GROUP BY k ORDER BY k {UPSERT}"""


def _sqlite() -> None:
    changed = "OLD.name_key IS NOT NEW.name_key OR OLD.suppression_reason IS NOT NEW.suppression_reason"
    op.execute(f"""CREATE TRIGGER lead_name_count_ins AFTER INSERT ON lead BEGIN
        {_row_delta(("NEW", 1))}; END""")
    op.execute(f"""CREATE TRIGGER lead_name_count_del AFTER DELETE ON lead BEGIN
        {_row_delta(("OLD", -1))}; END""")
    op.execute(f"""CREATE TRIGGER lead_name_count_upd AFTER UPDATE OF name_key, suppression_reason
        ON lead WHEN {changed} BEGIN {_row_delta(("OLD", -1), ("NEW", 1))}; END""")


def _statement_delta(rows: str, sign: int) -> str:
    """Count changes for statement triggers over a transition table, keys locked in order."""
    live = LIVE.format(t=rows)
    return f"""INSERT INTO lead_name_count (name_key, n)
        SELECT k, {sign} * count(*) FROM (
            SELECT name_key AS k FROM {rows} WHERE name_key IS NOT NULL AND {live}
            UNION ALL SELECT '' FROM {rows} WHERE {live}
        ) AS counted GROUP BY k ORDER BY k {UPSERT}"""


def _pg_function(name: str, body: str) -> None:
    op.execute(f"""CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN {body}; RETURN NULL; END $$""")


def _postgresql() -> None:
    _pg_function("lead_name_count_ins", _statement_delta("new_rows", 1))
    _pg_function("lead_name_count_del", _statement_delta("old_rows", -1))
    _pg_function("lead_name_count_upd", _row_delta(("OLD", -1), ("NEW", 1)))
    changed = (
        "OLD.name_key IS DISTINCT FROM NEW.name_key"
        " OR OLD.suppression_reason IS DISTINCT FROM NEW.suppression_reason"
    )
    op.execute("""CREATE TRIGGER lead_name_count_ins AFTER INSERT ON lead
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION lead_name_count_ins()""")
    op.execute("""CREATE TRIGGER lead_name_count_del AFTER DELETE ON lead
        REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION lead_name_count_del()""")
    op.execute(f"""CREATE TRIGGER lead_name_count_upd AFTER UPDATE OF name_key, suppression_reason
        ON lead FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION lead_name_count_upd()""")


def upgrade() -> None:
    op.create_index(
        'ix_source_record_campaign_lead', 'source_record', ['campaign_id', 'lead_id'], unique=False
    )
    op.create_table(
        'lead_name_count',
        sa.Column('name_key', sa.String(length=100), primary_key=True),
        sa.Column('n', sa.Integer(), nullable=False),
    )
    live = LIVE.format(t="lead")
    op.execute(f"""INSERT INTO lead_name_count (name_key, n)
        SELECT name_key, count(*) FROM lead WHERE name_key IS NOT NULL AND {live} GROUP BY name_key
        UNION ALL SELECT '', count(*) FROM lead WHERE {live}""")
    if op.get_bind().dialect.name == "postgresql":
        _postgresql()
    else:
        _sqlite()


def downgrade() -> None:
    for trigger in ("lead_name_count_ins", "lead_name_count_del", "lead_name_count_upd"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}" + (
            " ON lead" if op.get_bind().dialect.name == "postgresql" else ""))
        if op.get_bind().dialect.name == "postgresql":
            op.execute(f"DROP FUNCTION IF EXISTS {trigger}()")
    op.drop_table('lead_name_count')
    op.drop_index('ix_source_record_campaign_lead', table_name='source_record')
