"""indexes for the statistics: tickets by finish and due time, unfinished tickets, check-ins by grid, day and member

Revision ID: f3a8d61c07b9
Revises: e81b3c5a9f42
Create Date: 2026-12-02 16:00:00.000000

A district's dashboard (200 grids, a million reports) scanned every ticket
for each period and fetched each check-in's row for its member; with these,
a month's figures read the month's tickets and check-ins only (see
docs/BENCHMARKS.md). Partial: reports, the bulk of every push, pay nothing.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f3a8d61c07b9'
down_revision = 'e81b3c5a9f42'
branch_labels = None
depends_on = None

TICKET = "entity = 'ticket'"
OPEN_TICKET = "entity = 'ticket' AND status <> 'closed'"
CHECKIN = "entity = 'checkin'"


def _where(condition):
    return {"sqlite_where": sa.text(condition), "postgresql_where": sa.text(condition)}


def upgrade():
    with op.batch_alter_table('records', schema=None) as batch_op:
        batch_op.create_index('ix_records_ticket_done', ['done_at'], unique=False, **_where(TICKET))
        batch_op.create_index('ix_records_ticket_due', ['due_at'], unique=False, **_where(TICKET))
        batch_op.create_index('ix_records_ticket_open', ['due_at'], unique=False, **_where(OPEN_TICKET))
        batch_op.create_index('ix_records_checkin_days', ['grid_id', 'day', 'owner', 'deleted'], unique=False,
                              **_where(CHECKIN))


def downgrade():
    with op.batch_alter_table('records', schema=None) as batch_op:
        batch_op.drop_index('ix_records_checkin_days', **_where(CHECKIN))
        batch_op.drop_index('ix_records_ticket_open', **_where(OPEN_TICKET))
        batch_op.drop_index('ix_records_ticket_due', **_where(TICKET))
        batch_op.drop_index('ix_records_ticket_done', **_where(TICKET))
