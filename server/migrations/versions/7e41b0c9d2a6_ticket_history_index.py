"""audit index by record narrowed to tickets, the only history read from it

Revision ID: 7e41b0c9d2a6
Revises: 5c2e8a9d4f17
Create Date: 2026-12-02 07:20:00.000000

An index over (entity, entity_id) of every audit entry took a randomly placed
page write per pushed record; only a ticket's history is looked up by it.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7e41b0c9d2a6'
down_revision = '5c2e8a9d4f17'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entity')
        batch_op.create_index('ix_audit_ticket', ['entity_id'], unique=False,
                              sqlite_where=sa.text("entity = 'ticket'"),
                              postgresql_where=sa.text("entity = 'ticket'"))


def downgrade():
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_ticket', sqlite_where=sa.text("entity = 'ticket'"),
                            postgresql_where=sa.text("entity = 'ticket'"))
        batch_op.create_index('ix_audit_entity', ['entity', 'entity_id'], unique=False)
