"""The write lock every changing transaction takes first.

Sequence numbers handed out by concurrent transactions can commit out of order,
and a pull that read seq 12 before seq 11 committed would skip 11 for ever. So
every writer starts by updating the single ``sync_counter`` row: PostgreSQL
holds that row lock until commit, SQLite holds its database write lock, and
writers therefore commit one after another in the order they numbered their
changes. Pushes are short, so the serialisation costs little.
"""

from __future__ import annotations

import os

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from server.extensions import db
from server.models import SyncCounter

try:
    import fcntl
except ImportError:  # not a POSIX system: SQLite's own locking alone
    fcntl = None

COUNTER_ID = 1
_QUEUED = "gridwalk_writer_queue_fd"


def _queue_for_sqlite_writes() -> None:
    """On SQLite, wait for the write lock in a queue rather than by polling.

    SQLite lets one writer in at a time, and a writer that finds the database
    locked sleeps and retries, for up to 100 ms a sleep: with several phones
    pushing at once, writers slept while the lock stood free. Writers that
    take the counter first queue on an exclusive ``flock`` of a file beside
    the database, which wakes the next one the moment the previous
    transaction ends (``_leave_queue``). A transaction that has already
    written holds SQLite's lock and must not queue behind one waiting for it.
    """
    session = db.session()
    if fcntl is None or _QUEUED in session.info:
        return
    bind = session.get_bind()
    path = bind.url.database if bind.dialect.name == "sqlite" else None
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    if session.connection().connection.dbapi_connection.in_transaction:
        return
    fd = os.open(f"{path}.writers", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
    except BaseException:
        os.close(fd)
        raise
    session.info[_QUEUED] = fd


@event.listens_for(Session, "after_transaction_end")
def _leave_queue(session, transaction) -> None:
    if transaction.parent is None and _QUEUED in session.info:
        os.close(session.info.pop(_QUEUED))  # closing the file releases the flock


def lock_counter() -> SyncCounter:
    """Take the write lock and return the counter row, creating it on first use."""
    _queue_for_sqlite_writes()
    # A Core statement: the ORM's would first look for counter objects to
    # update in the session, on every push.
    table = SyncCounter.__table__
    result = db.session.execute(
        update(table).where(table.c.id == COUNTER_ID).values(last_seq=table.c.last_seq)
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
