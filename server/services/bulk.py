"""Many-row INSERTs and UPDATEs for the push path, straight to the driver.

A push writes hundreds of rows to a few tables. SQLAlchemy's Core
``execute(insert(table), rows)`` rebuilds every row's parameters through its
general compiled-statement machinery, which cost more than SQLite storing the
rows. Here each statement is compiled once per dialect and column set, every
value goes through its column type's own bind processor (so the stored form
is exactly what the ORM writes and reads back), and the rows go to the
driver's ``executemany`` in one call.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Callable

from sqlalchemy import Table, and_, bindparam, insert, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.types import TypeDecorator

from server.extensions import db


@dataclass(frozen=True)
class _Plan:
    sql: str
    names: tuple[str, ...]  # row keys, in the order the statement takes them
    processors: tuple[Callable[[Any], Any] | None, ...]
    positional: bool

    def params(self, rows: list[dict]) -> list:
        width = len(self.names)
        if any(len(row) != width for row in rows):
            raise ValueError(f"every row must give exactly {self.names}")
        pairs = tuple(zip(self.names, self.processors))
        if self.positional:
            return [tuple([row[n] if p is None else p(row[n]) for n, p in pairs]) for row in rows]
        return [{n: row[n] if p is None else p(row[n]) for n, p in pairs} for row in rows]


_plans: dict[tuple, _Plan] = {}


def _processor(type_, dialect) -> Callable[[Any], Any] | None:
    process = type_.dialect_impl(dialect).bind_processor(dialect)
    if process is not None and _python_type(type_) is datetime:
        # A push stamps its rows with one time: convert it once, not per row.
        process = lru_cache(maxsize=16)(process)
    return process


def _python_type(type_):
    if isinstance(type_, TypeDecorator):  # its own python_type says only `object`
        type_ = type_.impl
    try:
        return type_.python_type
    except NotImplementedError:
        return None


def _plan(key: tuple, build: Callable[[], tuple[Any, dict[str, Any]]], dialect) -> _Plan:
    """The cached plan for ``key``; ``build`` makes the statement and its binds' types on a miss."""
    plan = _plans.get(key)
    if plan is None:
        statement, bind_types = build()
        compiled = statement.compile(dialect=dialect)
        names = tuple(compiled.positiontup) if dialect.positional else tuple(compiled.binds)
        escaped = compiled.escaped_bind_names
        if escaped and any(escaped.get(n, n) != n for n in names):
            raise ValueError(f"column names that need escaping: {names}")
        processors = tuple(_processor(bind_types[n], dialect) for n in names)
        plan = _plans[key] = _Plan(compiled.string, names, processors, dialect.positional)
    return plan


def insert_many(table: Table, rows: list[dict]) -> None:
    """INSERT ``rows`` (dicts with the same keys: column names) into ``table``."""
    if not rows:
        return
    connection = db.session.connection()
    columns = tuple(rows[0])
    key = ("insert", table.name, columns, connection.dialect.name)

    def build():
        statement = insert(table).values({c: bindparam(c) for c in columns})
        return statement, {c: table.c[c].type for c in columns}

    plan = _plan(key, build, connection.dialect)
    connection.exec_driver_sql(plan.sql, plan.params(rows))


def insert_missing(table: Table, rows: list[dict]) -> None:
    """INSERT ``rows``, skipping any whose primary key is already there (or is being inserted concurrently).

    ``ON CONFLICT DO NOTHING`` on both databases: a second writer of the same
    key waits for the first and then skips, instead of failing its transaction.
    """
    if not rows:
        return
    connection = db.session.connection()
    upsert = postgresql_insert if connection.dialect.name == "postgresql" else sqlite_insert
    db.session.execute(upsert(table).on_conflict_do_nothing(), rows)


def update_many(table: Table, keys: tuple[str, ...], rows: list[dict]) -> None:
    """UPDATE the rows of ``table`` whose ``keys`` columns match, setting the other columns given.

    Each dict holds the key columns as ``k_<name>`` and the new values by column name.
    """
    if not rows:
        return
    connection = db.session.connection()
    values = tuple(c for c in rows[0] if not c.startswith("k_"))
    key = ("update", table.name, keys, values, connection.dialect.name)

    def build():
        statement = (
            update(table)
            .where(and_(*[table.c[k] == bindparam(f"k_{k}") for k in keys]))
            .values({c: bindparam(c) for c in values})
        )
        return statement, {c: table.c[c].type for c in values} | {f"k_{k}": table.c[k].type for k in keys}

    plan = _plan(key, build, connection.dialect)
    connection.exec_driver_sql(plan.sql, plan.params(rows))
