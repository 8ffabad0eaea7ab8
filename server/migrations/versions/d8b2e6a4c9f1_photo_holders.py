"""photo holders: who holds each photo, who listed it on each record, uploads per user

Revision ID: d8b2e6a4c9f1
Revises: c3a1f0e2b7d4
Create Date: 2026-12-03 09:00:00.000000

A photo's hash is no secret, so listing it on a record must not make the
photo readable by itself: a reference now counts only while the user who made
it holds the photo. ``photo_holders`` starts with each photo's uploader;
``photo_refs.referrer_id`` is filled from the records' clocks (the users whose
adds keep the hash on the record, the photo's uploader first); a reference
whose author the clocks do not tell is kept without one and grants nothing.
Uploads in progress become per user; the ones in progress now are dropped:
a phone keeps a photo's bytes until the server says it holds them, so it
starts that upload again from the first byte.
"""
from alembic import op
import sqlalchemy as sa

import server.models.types


# revision identifiers, used by Alembic.
revision = 'd8b2e6a4c9f1'
down_revision = 'c3a1f0e2b7d4'
branch_labels = None
depends_on = None

PHOTO_FIELDS = ("photos", "after_photos", "resolution_photos")


def upgrade():
    op.create_table('photo_holders',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', server.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['sha256'], ['photos.sha256'], name=op.f('fk_photo_holders_sha256_photos')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_photo_holders_user_id_users')),
    sa.PrimaryKeyConstraint('sha256', 'user_id', name=op.f('pk_photo_holders'))
    )
    op.execute("INSERT INTO photo_holders (sha256, user_id, created_at) "
               "SELECT sha256, uploader_id, created_at FROM photos")
    with op.batch_alter_table('photo_refs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('referrer_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_photo_refs_referrer_id_users'), 'users', ['referrer_id'], ['id'])
    _fill_referrers()
    op.drop_table('photo_uploads')
    _create_uploads(per_user=True)


def downgrade():
    op.drop_table('photo_uploads')
    _create_uploads(per_user=False)
    with op.batch_alter_table('photo_refs', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_photo_refs_referrer_id_users'), type_='foreignkey')
        batch_op.drop_column('referrer_id')
    op.drop_table('photo_holders')


def _create_uploads(*, per_user: bool):
    key = ['sha256', 'uploader_id'] if per_user else ['sha256']
    op.create_table('photo_uploads',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploader_id', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('received', sa.Integer(), nullable=False),
    sa.Column('updated_at', server.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['uploader_id'], ['users.id'], name=op.f('fk_photo_uploads_uploader_id_users')),
    sa.PrimaryKeyConstraint(*key, name=op.f('pk_photo_uploads'))
    )


# The rule of sync.merge, copied so that this revision keeps meaning what it
# meant when it was written: a remove takes out the adds it saw.
def _saw(x: dict, y: dict) -> bool:
    if x.get("device") == y.get("device"):
        return (x.get("hlc") or "", x.get("mutation") or "") > (y.get("hlc") or "", y.get("mutation") or "")
    return x.get("base") is not None and x["base"] >= (y.get("at") or 0)


def _adders(clocks: dict, sha: str) -> list[str]:
    """The actors whose adds keep ``sha`` in any photo field, oldest first."""
    found = []
    for name in PHOTO_FIELDS:
        entry = ((clocks or {}).get("sets") or {}).get(name, {}).get(sha)
        if not isinstance(entry, dict):
            continue
        removes = list((entry.get("remove") or {}).values())
        adds = [t for t in (entry.get("add") or {}).values() if not any(_saw(r, t) for r in removes)]
        found.extend(sorted(adds, key=lambda t: (t.get("hlc") or "", t.get("mutation") or "")))
    actors = []
    for tag in found:
        if tag.get("actor") and tag["actor"] not in actors:
            actors.append(tag["actor"])
    return actors


def _fill_referrers():
    conn = op.get_bind()
    records = sa.table("records", sa.column("entity", sa.String), sa.column("entity_id", sa.String),
                       sa.column("clocks", server.models.types.ClocksType()))
    refs = sa.table("photo_refs", sa.column("sha256", sa.String), sa.column("entity", sa.String),
                    sa.column("entity_id", sa.String), sa.column("referrer_id", sa.Integer))
    users = dict(conn.execute(sa.text("SELECT username, id FROM users")).all())
    uploader = dict(conn.execute(sa.text("SELECT sha256, uploader_id FROM photos")).all())
    set_referrer = (
        sa.update(refs)
        .where(refs.c.sha256 == sa.bindparam("b_sha256"), refs.c.entity == sa.bindparam("b_entity"),
               refs.c.entity_id == sa.bindparam("b_entity_id"))
        .values(referrer_id=sa.bindparam("b_referrer_id"))
    )
    key = (refs.c.sha256, refs.c.entity, refs.c.entity_id)
    last = None
    while True:
        # Walked in primary-key order, a page at a time, each page's records read by their own key.
        page = sa.select(*key).order_by(*key).limit(1000)
        if last is not None:
            page = page.where(sa.tuple_(*key) > sa.tuple_(*(sa.literal(v) for v in last)))
        rows = conn.execute(page).all()
        if not rows:
            return
        wanted: dict[str, set] = {}
        for _sha, entity, entity_id in rows:
            wanted.setdefault(entity, set()).add(entity_id)
        clocks = {}
        for entity, ids in wanted.items():
            for entity_id, value in conn.execute(
                sa.select(records.c.entity_id, records.c.clocks)
                .where(records.c.entity == entity, records.c.entity_id.in_(sorted(ids)))
            ):
                clocks[(entity, entity_id)] = value
        updates = []
        for sha, entity, entity_id in rows:
            ids = [users[a] for a in _adders(clocks.get((entity, entity_id)), sha) if a in users]
            if not ids:
                continue
            # The uploader, when among them, is the one whose reference already counts.
            referrer = uploader.get(sha) if uploader.get(sha) in ids else ids[0]
            updates.append({"b_sha256": sha, "b_entity": entity, "b_entity_id": entity_id,
                            "b_referrer_id": referrer})
        if updates:
            conn.execute(set_referrer, updates)
        last = tuple(rows[-1])
