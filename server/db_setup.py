"""Per-connection database settings."""

from __future__ import annotations

from sqlalchemy import event

from server.extensions import db


def register_engine_events(app) -> None:
    with app.app_context():
        engine = db.engine
        if engine.dialect.name != "sqlite":
            return

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            # WAL lets readers (pulls) run while a push writes; the busy timeout
            # makes concurrent writers wait for the lock instead of failing.
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            # A push of 500 reports dirties a few MB of pages: a 64 MB page
            # cache keeps them from spilling mid-transaction, and checkpointing
            # every ~40 MB of WAL instead of 4 MB fsyncs the database less often.
            cur.execute("PRAGMA cache_size=-65536")
            cur.execute("PRAGMA wal_autocheckpoint=10000")
            cur.close()
