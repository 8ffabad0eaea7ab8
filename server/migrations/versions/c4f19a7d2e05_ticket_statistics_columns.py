"""ticket deadline, finish time, level and reopens as columns; audit index for the department league

Revision ID: c4f19a7d2e05
Revises: d8b2e6a4c9f1
Create Date: 2026-12-02 13:00:00.000000

The statistics (server/services/stats) count closed, on-time, overdue and
reworked tickets with SQL group-bys; those read columns, not the JSON data.
Existing tickets get the columns filled from their data.
"""
import json
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4f19a7d2e05'
down_revision = 'd8b2e6a4c9f1'
branch_labels = None
depends_on = None

# The ticket states in which work is finished, as sync.entities had them when this was written.
_DONE = ("resolved", "verified", "closed")


def _time(value, sqlite):
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    parsed = parsed.astimezone(timezone.utc) if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    return parsed.replace(tzinfo=None) if sqlite else parsed


def _backfill():
    conn = op.get_bind()
    sqlite = conn.dialect.name == "sqlite"
    rows = conn.execute(sa.text("SELECT entity_id, data FROM records WHERE entity = 'ticket'")).all()
    update = sa.text("UPDATE records SET due_at = :due, done_at = :done, level = :level, reopens = :reopens "
                     "WHERE entity = 'ticket' AND entity_id = :id")
    for entity_id, data in rows:
        data = json.loads(data) if isinstance(data, str) else (data or {})
        reopens = data.get("reopen_count")
        conn.execute(update, {
            "id": entity_id,
            "due": _time(data.get("due_at"), sqlite),
            "done": _time(data.get("done_at"), sqlite) if data.get("status") in _DONE else None,
            "level": data.get("level") if isinstance(data.get("level"), str) else None,
            "reopens": reopens if isinstance(reopens, int) and not isinstance(reopens, bool) else 0,
        })


def upgrade():
    with op.batch_alter_table('records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('done_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('level', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('reopens', sa.Integer(), nullable=True))
    _backfill()
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_ticket_action_at', ['action', 'at'], unique=False,
                              sqlite_where=sa.text("entity = 'ticket'"),
                              postgresql_where=sa.text("entity = 'ticket'"))


def downgrade():
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_ticket_action_at', sqlite_where=sa.text("entity = 'ticket'"),
                            postgresql_where=sa.text("entity = 'ticket'"))
    with op.batch_alter_table('records', schema=None) as batch_op:
        batch_op.drop_column('reopens')
        batch_op.drop_column('level')
        batch_op.drop_column('done_at')
        batch_op.drop_column('due_at')
