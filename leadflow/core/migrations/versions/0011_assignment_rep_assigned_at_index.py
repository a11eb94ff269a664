"""assignment: index (rep, assigned_at) in place of (rep)

Routing counts each rep's assignments of their today and week for every batch; with only the
rep indexed, that read every assignment of the week. The pair serves that count, the pool's
claims of today, and every lookup by rep alone (its leading column), so the old index goes.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 07:00:00
"""

from __future__ import annotations

from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.create_index('ix_assignment_rep_assigned_at', ['rep', 'assigned_at'], unique=False)
        batch_op.drop_index(batch_op.f('ix_assignment_rep'))


def downgrade() -> None:
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignment_rep'), ['rep'], unique=False)
        batch_op.drop_index('ix_assignment_rep_assigned_at')
