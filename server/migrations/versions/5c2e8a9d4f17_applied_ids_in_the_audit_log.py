"""applied mutation ids kept on their audit entries: one row per applied mutation instead of two

Revision ID: 5c2e8a9d4f17
Revises: 98aeef383e40
Create Date: 2026-12-02 07:10:00.000000

Every applied mutation already had exactly one audit entry, written in the
same transaction as its applied_mutations row and carrying its id. The entry
now also keeps how the mutation was answered and the version it made, and a
unique index on its mutation id answers retries; applied_mutations goes.
"""
from alembic import op
import sqlalchemy as sa

import server.models.types


# revision identifiers, used by Alembic.
revision = '5c2e8a9d4f17'
down_revision = '98aeef383e40'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('audit_log', sa.Column('status', sa.String(length=16), nullable=True))
    op.add_column('audit_log', sa.Column('version', sa.Integer(), nullable=True))
    op.execute(
        "UPDATE audit_log SET "
        "status = (SELECT a.status FROM applied_mutations a WHERE a.id = audit_log.mutation_id), "
        "version = (SELECT a.version FROM applied_mutations a WHERE a.id = audit_log.mutation_id) "
        "WHERE mutation_id IN (SELECT id FROM applied_mutations)"
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ux_audit_mutation_id', ['mutation_id'], unique=True)
    with op.batch_alter_table('applied_mutations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_applied_mutations_device_id'))
    op.drop_table('applied_mutations')


def downgrade():
    applied = op.create_table('applied_mutations',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('device_id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('entity', sa.String(length=24), nullable=False),
    sa.Column('entity_id', sa.String(length=36), nullable=False),
    sa.Column('op', sa.String(length=24), nullable=False),
    sa.Column('hlc', sa.String(length=96), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=True),
    sa.Column('received_at', server.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_applied_mutations_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_applied_mutations'))
    )
    with op.batch_alter_table('applied_mutations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_applied_mutations_device_id'), ['device_id'], unique=False)
    _refill_applied(applied)
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ux_audit_mutation_id')
        batch_op.drop_column('version')
        batch_op.drop_column('status')


def _refill_applied(applied):
    audit = sa.table('audit_log', sa.column('seq', sa.BigInteger), sa.column('at', server.models.types.UTCDateTime),
                     sa.column('actor_id', sa.Integer), sa.column('device_id', sa.String),
                     sa.column('action', sa.String), sa.column('entity', sa.String),
                     sa.column('entity_id', sa.String), sa.column('mutation_id', sa.String),
                     sa.column('data', sa.JSON), sa.column('status', sa.String), sa.column('version', sa.Integer))
    conn = op.get_bind()
    after = -1
    while True:
        rows = conn.execute(
            sa.select(audit).where(audit.c.seq > after, audit.c.status.is_not(None)).order_by(audit.c.seq).limit(1000)
        ).all()
        if not rows:
            return
        conn.execute(sa.insert(applied), [{
            "id": r.mutation_id, "device_id": r.device_id or "", "user_id": r.actor_id,
            "entity": r.action.split(".", 1)[0], "entity_id": r.entity_id or "",
            "op": r.action.split(".", 1)[-1], "hlc": (r.data or {}).get("hlc") or "",
            "status": r.status, "version": r.version, "received_at": r.at,
        } for r in rows])
        after = rows[-1].seq
