"""The write lock every changing transaction takes first.

Sequence numbers handed out by concurrent transactions can commit out of order,
and a pull that read seq 12 before seq 11 committed would skip 11 for ever. So
every writer starts by updating the single ``sync_counter`` row: PostgreSQL
holds that row lock until commit, SQLite holds its database write lock, and
writers therefore commit one after another in the order they numbered their
changes. Pushes are short, so the serialisation costs little.
"""

from __future__ import annotations

from sqlalchemy import select, update

from server.extensions import db
from server.models import SyncCounter

COUNTER_ID = 1


def lock_counter() -> SyncCounter:
    """Take the write lock and return the counter row, creating it on first use."""
    result = db.session.execute(
        update(SyncCounter).where(SyncCounter.id == COUNTER_ID).values(last_seq=SyncCounter.last_seq)
    )
    if result.rowcount == 0:
        db.session.add(SyncCounter(id=COUNTER_ID, last_seq=0, hlc=None))
        db.session.flush()
    counter = db.session.execute(
        select(SyncCounter).where(SyncCounter.id == COUNTER_ID).execution_options(populate_existing=True)
    ).scalar_one()
    return counter


def next_seq(counter: SyncCounter) -> int:
    counter.last_seq = (counter.last_seq or 0) + 1
    return counter.last_seq
