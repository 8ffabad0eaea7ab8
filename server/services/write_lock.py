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

from sqlalchemy import event, insert, update
from sqlalchemy.orm import Session

from server.extensions import db
from server.models import SyncCounter

try:
    import fcntl
except ImportError:  # not a POSIX system: SQLite's own locking alone
    fcntl = None

COUNTER_ID = 1
_QUEUED = "gridwalk_writer_queue_fd"
_LOCKED = "gridwalk_locked_counter"


def _queue_for_sqlite_writes() -> None:
    """On SQLite, wait for the write lock in a queue rather than by polling.

    SQLite lets one writer in at a time, and a writer that finds the database
    locked sleeps and retries, for up to 100 ms a sleep: with several phones
    pushing at once, writers slept while the lock stood free. Writers that
    take the counter first queue on an exclusive ``flock`` of a file beside
    the database, which wakes the next one the moment the previous
    transaction ends (``_end_of_transaction``). A transaction that has already
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
def _end_of_transaction(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_LOCKED, None)  # the next transaction locks (and reads) the counter afresh
        if _QUEUED in session.info:
            os.close(session.info.pop(_QUEUED))  # closing the file releases the flock


_TABLE = SyncCounter.__table__
# A no-op update that takes the lock and reads the row, built once.
_LOCK = (
    update(_TABLE).where(_TABLE.c.id == COUNTER_ID).values(last_seq=_TABLE.c.last_seq)
    .returning(_TABLE.c.last_seq, _TABLE.c.hlc, _TABLE.c.audit_head)
)


class Counter:
    """The counter row as a write transaction holds it: read under the lock, written back at commit."""

    __slots__ = ("last_seq", "hlc", "audit_head", "_stored")

    def __init__(self, last_seq: int, hlc: str | None, audit_head: str | None) -> None:
        self.last_seq, self.hlc, self.audit_head = last_seq, hlc, audit_head
        self._stored = (last_seq, hlc, audit_head)

    def save(self, session: Session) -> None:
        values = (self.last_seq, self.hlc, self.audit_head)
        if values != self._stored:
            session.execute(update(_TABLE).where(_TABLE.c.id == COUNTER_ID)
                               .values(last_seq=self.last_seq, hlc=self.hlc, audit_head=self.audit_head))
            self._stored = values


def lock_counter() -> Counter:
    """Take the write lock and return the counter, creating its row on first use.

    One round trip in Core (``UPDATE … RETURNING``) rather than an ORM object
    re-read after the update; changes are written when the transaction
    commits. A second call in the same transaction returns the same counter.
    """
    session = db.session()
    held = session.info.get(_LOCKED)
    if held is not None:
        return held
    _queue_for_sqlite_writes()
    row = session.execute(_LOCK).first()
    if row is None:
        session.execute(insert(_TABLE).values(id=COUNTER_ID, last_seq=0, hlc=None, audit_head=None))
        counter = Counter(0, None, None)
    else:
        counter = Counter(row.last_seq, row.hlc, row.audit_head)
    session.info[_LOCKED] = counter
    return counter


@event.listens_for(Session, "before_commit")
def _save_counter(session) -> None:
    counter = session.info.get(_LOCKED)
    if counter is not None:
        counter.save(session)


def next_seq(counter: Counter) -> int:
    counter.last_seq = (counter.last_seq or 0) + 1
    return counter.last_seq
