"""Open311 intake: accounts (the 12345 hotline …), their hashed API keys, the cases handed in

Revision ID: e81b3c5a9f42
Revises: c4f19a7d2e05
Create Date: 2026-12-02 15:00:00.000000
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = 'e81b3c5a9f42'
down_revision = 'c4f19a7d2e05'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'intake_accounts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=24), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('district_id', sa.Integer(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['district_id'], ['districts.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code'),
    )
    op.create_table(
        'api_keys',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('prefix', sa.String(length=12), nullable=False),
        sa.Column('key_hash', sa.String(length=64), nullable=False),
        sa.Column('created_by', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['account_id'], ['intake_accounts.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('key_hash'),
    )
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_keys_account_id'), ['account_id'], unique=False)
    json_type = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
    op.create_table(
        'intake_cases',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('district_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=12), nullable=False),
        sa.Column('grid_id', sa.Integer(), nullable=True),
        sa.Column('street_id', sa.Integer(), nullable=True),
        sa.Column('service_code', sa.String(length=48), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('lat', sa.Float(), nullable=False),
        sa.Column('lon', sa.Float(), nullable=False),
        sa.Column('address', sa.String(length=200), nullable=True),
        sa.Column('contact', json_type, nullable=False),
        sa.Column('external_id', sa.String(length=64), nullable=True),
        sa.Column('media_url', sa.String(length=500), nullable=True),
        sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('assigned_by', sa.String(length=64), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['intake_accounts.id']),
        sa.ForeignKeyConstraint(['district_id'], ['districts.id']),
        sa.ForeignKeyConstraint(['grid_id'], ['grids.id']),
        sa.ForeignKeyConstraint(['street_id'], ['streets.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('intake_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_intake_cases_account_id'), ['account_id'], unique=False)
        batch_op.create_index('ix_intake_cases_street_state', ['street_id', 'state'], unique=False)


def downgrade():
    with op.batch_alter_table('intake_cases', schema=None) as batch_op:
        batch_op.drop_index('ix_intake_cases_street_state')
        batch_op.drop_index(batch_op.f('ix_intake_cases_account_id'))
    op.drop_table('intake_cases')
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_keys_account_id'))
    op.drop_table('api_keys')
    op.drop_table('intake_accounts')
