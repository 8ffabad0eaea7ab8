"""rate-limit counters in the database, so every worker counts against one login limit

Revision ID: c3a1f0e2b7d4
Revises: 7e41b0c9d2a6
Create Date: 2026-12-02 12:40:00.000000

Without Redis, login limits were counted in each gunicorn worker's memory, so
`make run` allowed a limit once per worker. The counters now live here
(server/limits_storage.py) unless GRIDWALK_REDIS_URL is set.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3a1f0e2b7d4'
down_revision = '7e41b0c9d2a6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'rate_limit_counters',
        sa.Column('limit_key', sa.String(length=255), nullable=False),
        sa.Column('hits', sa.Integer(), nullable=False),
        sa.Column('expires_at', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('limit_key', name=op.f('pk_rate_limit_counters')),
    )
    with op.batch_alter_table('rate_limit_counters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rate_limit_counters_expires_at'), ['expires_at'], unique=False)


def downgrade():
    with op.batch_alter_table('rate_limit_counters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rate_limit_counters_expires_at'))
    op.drop_table('rate_limit_counters')
