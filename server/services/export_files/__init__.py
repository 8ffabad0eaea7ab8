"""Exports of reports, tickets (with their timeline), check-ins and visits: CSV, XLSX, GeoJSON.

Scoped and filtered like the list endpoints (``listing.filter_records``,
``ticket_queries.filter_tickets``): a file holds what its reader may list.
Rows are read from the database in batches with a server-side cursor and
written as they come, so exporting a million reports takes the memory of a
batch. Personal data of visits is masked (``columns.VISIT_COLUMNS``).

:func:`prepare` checks everything that can fail (filters, scope) before the
first byte is sent; the :class:`Export` it answers makes the bytes lazily.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from itertools import islice
from typing import Callable, Iterator
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from server.errors import DomainError
from server.extensions import db
from server.models import AuditEntry, Department, Grid, Record
from server.services import listing, ticket_queries
from server.services.export_files.columns import COLUMNS, TIMELINE_COLUMNS, Labels
from server.services.export_files.writers import Workbook, csv_chunks, geojson_chunks
from server.services.hooks import visible_data
from sync.sla import color_of_ticket

KINDS = {"reports": "report", "tickets": "ticket", "checkins": "checkin", "visits": "visit"}
FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           "geojson": "application/geo+json"}
# Visits carry no point: there is no map of them.
GEOJSON_KINDS = ("reports", "tickets", "checkins")
SHEET_NAMES = {"reports": ("问题上报", "Reports"), "tickets": ("交接单", "Tickets"),
               "checkins": ("打卡", "Check-ins"), "visits": ("入户走访", "Visits")}
TIMELINE_SHEET = ("处理过程", "Timeline")
# Rows read from the database at a time (a server-side cursor on PostgreSQL).
BATCH = 1000
# Filters of the ticket list that mean nothing for field records, and the other way round.
TICKET_ONLY = ("department", "level")
FIELD_ONLY = ("member",)

_COLUMNS = (Record.entity_id, Record.grid_id, Record.department_id, Record.day, Record.data, Record.created_at,
            Record.updated_at, Record.version)


@dataclass
class Export:
    """A prepared export: what it is called and the bytes it makes when iterated."""

    filename: str
    mimetype: str
    chunks: Callable[[], Iterator[bytes]]


def prepare(scope, kind: str, fmt: str, query: dict) -> Export:
    """Check the request and build the export's query; the rows are read only when it is sent."""
    if kind not in KINDS or fmt not in FORMATS or (fmt == "geojson" and kind not in GEOJSON_KINDS):
        raise DomainError("not_found", f"No export {kind}.{fmt}.")
    misplaced = [k for k in (FIELD_ONLY if kind == "tickets" else TICKET_ONLY) if query.get(k) is not None]
    if misplaced:
        raise DomainError("invalid", f"{', '.join(misplaced)} does not filter {kind}.",
                       {k: [f"Not a filter of {kind}."] for k in misplaced})
    stmt = _statement(scope, kind, query)
    labels = _labels(query.get("lang") or "zh-CN")

    def make() -> Iterator[bytes]:
        rows = _rows(kind, stmt)
        if fmt == "csv":
            columns = COLUMNS[kind]
            return csv_chunks([c.header(labels.zh) for c in columns],
                              ([c.read(r, labels) for c in columns] for r in rows))
        if fmt == "xlsx":
            return _xlsx(kind, rows, labels)
        return geojson_chunks(_features(scope, kind, rows))

    return Export(f"{kind}.{fmt}", FORMATS[fmt], make)


def _statement(scope, kind: str, query: dict):
    if kind == "tickets":
        stmt = ticket_queries.filter_tickets(scope, query, select(*_COLUMNS))
        if query.get("level"):
            stmt = stmt.where(Record.level == query["level"])
        if query.get("category"):
            stmt = stmt.where(Record.category == query["category"])
        if query.get("date_from"):
            stmt = stmt.where(Record.day >= query["date_from"].isoformat())
        if query.get("date_to"):
            stmt = stmt.where(Record.day <= query["date_to"].isoformat())
    else:
        stmt = listing.filter_records(scope, KINDS[kind], {**query, "include_deleted": False}, select(*_COLUMNS))
    return stmt.order_by(Record.day, Record.created_at, Record.entity_id)


def _labels(lang: str) -> Labels:
    zh = lang.lower().startswith("zh")
    grids = dict(db.session.execute(select(Grid.id, Grid.name)).all())
    departments = {i: (name if zh or not en else en)
                   for i, name, en in db.session.execute(select(Department.id, Department.name, Department.name_en))}
    return Labels(zh=zh, tz=ZoneInfo(current_app.config["GRIDWALK_TIMEZONE"]), grids=grids, departments=departments)


def _batches(iterator, size: int):
    while batch := list(islice(iterator, size)):
        yield batch


def _rows(kind: str, stmt) -> Iterator[dict]:
    """The export's rows as dicts, read in batches; tickets with their colour and timeline."""
    result = db.session.execute(stmt.execution_options(yield_per=BATCH))
    now = datetime.now(timezone.utc)
    for batch in _batches(iter(result), BATCH):
        rows = [r._asdict() for r in batch]
        if kind == "tickets":
            steps = _timelines([r["entity_id"] for r in rows])
            for r in rows:
                r["color"] = color_of_ticket(r["data"], r["created_at"], now)
                r["timeline"] = steps.get(r["entity_id"], [])
        yield from rows


def _timelines(ticket_ids: list[str]) -> dict[str, list[dict]]:
    """Each ticket's steps from the audit trail (through its ticket index), oldest first, as its history reads."""
    out: dict[str, list[dict]] = {}
    stmt = (select(AuditEntry.entity_id, AuditEntry.at, AuditEntry.actor, AuditEntry.action, AuditEntry.data)
            .where(AuditEntry.entity == "ticket", AuditEntry.entity_id.in_(ticket_ids))
            .order_by(AuditEntry.seq))
    for entity_id, at, actor, action, data in db.session.execute(stmt):
        step_data = {k: v for k, v in (data or {}).items() if k not in ("hlc", "base_version")}
        out.setdefault(entity_id, []).append({"ticket_id": entity_id, "at": at, "actor": actor,
                                              "action": action.split(".", 1)[-1], "data": step_data})
    return out


def _xlsx(kind: str, rows: Iterator[dict], labels: Labels) -> Iterator[bytes]:
    workbook = Workbook()
    try:
        columns = COLUMNS[kind]
        name = SHEET_NAMES[kind][0 if labels.zh else 1]
        main = workbook.sheet(name, [c.header(labels.zh) for c in columns])
        timeline = None
        if kind == "tickets":
            timeline = workbook.sheet(TIMELINE_SHEET[0 if labels.zh else 1],
                                      [c.header(labels.zh) for c in TIMELINE_COLUMNS])
        for row in rows:
            main.write([c.read(row, labels) for c in columns])
            for step in row.get("timeline", ()) if timeline else ():
                timeline.write([c.read(step, labels) for c in TIMELINE_COLUMNS])
    except BaseException:
        workbook.discard()
        raise
    return workbook.chunks()


def _point(data: dict) -> list[float] | None:
    lat, lon = data.get("lat"), data.get("lon")
    if isinstance(lat, (int, float)) and isinstance(lon, (int, float)) and not isinstance(lat, bool):
        return [float(lon), float(lat)]
    return None


def _features(scope, kind: str, rows: Iterator[dict]) -> Iterator[dict]:
    """GeoJSON features whose properties are named as the API names them."""
    for batch in _batches(rows, BATCH):
        points = _report_points(batch) if kind == "tickets" else {}
        for r in batch:
            if kind == "tickets":
                properties = {**_ticket_properties(r), "timeline": [
                    {"at": s["at"], "actor": s["actor"], "action": s["action"], "data": s["data"]}
                    for s in r["timeline"]]}
                coords = [points[i] for i in r["data"].get("report_ids") or [] if i in points]
                geometry = ({"type": "Point", "coordinates": coords[0]} if len(coords) == 1 else
                            {"type": "MultiPoint", "coordinates": coords} if coords else None)
            else:
                data = visible_data(scope, KINDS[kind], r["data"])
                properties = {"id": r["entity_id"], "grid_id": r["grid_id"], "version": r["version"],
                              "day": r["day"], "created_at": r["created_at"], "updated_at": r["updated_at"], **data}
                point = _point(r["data"])
                geometry = {"type": "Point", "coordinates": point} if point else None
            yield {"type": "Feature", "id": r["entity_id"], "geometry": geometry, "properties": properties}


def _ticket_properties(r: dict) -> dict:
    """A ticket's properties as ``GET /api/tickets/<id>`` answers them."""
    return {"id": r["entity_id"], "grid_id": r["grid_id"], "version": r["version"], "deleted": False,
            "department_id": r["department_id"], "created_at": r["created_at"], "updated_at": r["updated_at"],
            "color": r["color"], **r["data"]}


def _report_points(tickets: list[dict]) -> dict[str, list[float]]:
    ids = [i for t in tickets for i in (t["data"].get("report_ids") or [])]
    if not ids:
        return {}
    rows = db.session.execute(select(Record.entity_id, Record.data).where(
        Record.entity == "report", Record.entity_id.in_(ids)))
    return {entity_id: point for entity_id, data in rows if (point := _point(data)) is not None}
