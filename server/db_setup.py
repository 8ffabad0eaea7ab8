"""Per-connection database settings."""

from __future__ import annotations

from sqlalchemy import event

from server.extensions import db


def register_engine_events(app) -> None:
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "postgresql":
            event.listen(engine, "connect", _postgresql_settings)
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


def _postgresql_settings(dbapi_conn, _record) -> None:
    # psycopg prepares a statement it has run five times, and PostgreSQL may
    # then keep one generic plan for it. Planned while a table was still small
    # (a new server, before autovacuum's first ANALYZE), a push's lookup of
    # its records and mutation ids by key stayed a sequential scan that grew
    # with the table: pushes of 100 fell from ~2,000 to ~800 mutations/s in
    # bench/sync_bench.py. Planning each execution with its own values costs
    # far less than that and follows the table as it grows.
    with dbapi_conn.cursor() as cur:
        cur.execute("SET plan_cache_mode = force_custom_plan")
    dbapi_conn.commit()
