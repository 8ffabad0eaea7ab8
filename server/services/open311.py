"""Open311 GeoReport v2 on our data: the service list, service requests read out, answers in JSON or XML.

Service requests are the reports of the account's district (whoever filed
them) and the cases still waiting in a street's queue. Statuses map to the
standard's two: a report not yet solved or closed is ``open``; solved on
site or closed with its ticket is ``closed``. ``expected_datetime`` is the
deadline: the ticket's due time once the report is in one, else what the
SLA table gives its category (``sync.sla``). Nothing personal is answered:
not the patroller who filed a report, not the caller of a hotline case.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, literal, select, union_all

from server.catalogue import CATEGORIES, category_name
from server.errors import DomainError
from server.extensions import db
from server.models import Community, Department, Grid, IntakeAccount, IntakeCase, Record, Street
from sync import sla

# Report states that count as open; the rest (solved on site, closed) are closed.
OPEN_REPORT_STATES = ("open", "needs_handoff", "in_ticket")
# With no dates asked, the standard's default window: the last 90 days.
DEFAULT_DAYS = 90
REQUEST_FIELDS = ("service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                  "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                  "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url")
STATUS_NOTES = {
    "open": ("待网格处理", "Waiting for the grid team"), "needs_handoff": ("待转交接单", "To be handed off"),
    "in_ticket": ("已转交接单，处置中", "In a handoff ticket, being handled"),
    "solved_on_site": ("已现场解决", "Solved on site"), "closed": ("已办结销号", "Fixed and closed"),
    "queued": ("待街道分派网格", "Waiting for the street to assign a grid"),
}


def _zh(lang: str) -> bool:
    return (lang or "").lower().startswith("zh")


def services(lang: str) -> list[dict]:
    """Our report categories as Open311 services."""
    zh = _zh(lang)
    return [{"service_code": c["code"], "service_name": c["name_zh"] if zh else c["name_en"],
             "description": f"{c['name_zh']} / {c['name_en']}", "metadata": False, "type": "realtime",
             "keywords": ", ".join(s["name_zh"] if zh else s["name_en"] for s in c["subcategories"]),
             "group": "城市治理" if zh else "Urban governance"} for c in CATEGORIES]


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(timezone.utc).isoformat(timespec="seconds") if value else None


def _district_grid_ids(district_id: int):
    return (select(Grid.id).join(Community, Grid.community_id == Community.id)
            .join(Street, Community.street_id == Street.id).where(Street.district_id == district_id))


def _sources(account: IntakeAccount, query: dict):
    """The reports and queued cases asked for, as one (id, at, kind) selectable."""
    reports = select(Record.entity_id.label("id"), Record.created_at.label("at"), literal("report").label("kind")).where(
        Record.entity == "report", Record.deleted.is_(False), Record.grid_id.in_(_district_grid_ids(account.district_id)))
    queued = select(IntakeCase.id.label("id"), IntakeCase.requested_at.label("at"), literal("case").label("kind")).where(
        IntakeCase.district_id == account.district_id, IntakeCase.state == "queued")
    if query.get("service_request_id"):
        reports = reports.where(Record.entity_id.in_(query["service_request_id"]))
        queued = queued.where(IntakeCase.id.in_(query["service_request_id"]))
    elif not query.get("start_date") and not query.get("end_date"):
        query = {**query, "start_date": datetime.now(timezone.utc) - timedelta(days=DEFAULT_DAYS)}
    if query.get("service_code"):
        reports = reports.where(Record.category == query["service_code"])
        queued = queued.where(IntakeCase.service_code == query["service_code"])
    if query.get("status") == "open":
        reports = reports.where(Record.status.in_(OPEN_REPORT_STATES))
    elif query.get("status") == "closed":
        reports = reports.where(Record.status.not_in(OPEN_REPORT_STATES))
        queued = queued.where(literal(False))
    if query.get("start_date"):
        reports = reports.where(Record.created_at >= query["start_date"])
        queued = queued.where(IntakeCase.requested_at >= query["start_date"])
    if query.get("end_date"):
        reports = reports.where(Record.created_at < query["end_date"])
        queued = queued.where(IntakeCase.requested_at < query["end_date"])
    return union_all(reports, queued).subquery()


def list_requests(account: IntakeAccount, query: dict, lang: str) -> tuple[list[dict], int]:
    """A page of service requests, newest first, and how many there are in all."""
    found = _sources(account, query)
    total = db.session.execute(select(func.count()).select_from(found)).scalar()
    size, page = query["page_size"], query["page"]
    rows = db.session.execute(select(found.c.id, found.c.kind).order_by(found.c.at.desc(), found.c.id)
                              .offset((page - 1) * size).limit(size)).all()
    return _hydrate(rows, lang), total


def get_request(account: IntakeAccount, request_id: str, lang: str) -> dict:
    """One service request of the account's district (404 otherwise)."""
    rows = db.session.execute(select(_sources(account, {"service_request_id": [request_id]}))).all()
    if not rows:
        raise DomainError("not_found", f"No service request {request_id}.")
    return _hydrate([(rows[0].id, rows[0].kind)], lang)[0]


def _hydrate(rows, lang: str) -> list[dict]:
    report_ids = [i for i, kind in rows if kind == "report"]
    case_ids = [i for i, kind in rows if kind == "case"]
    reports = {r.entity_id: r for r in db.session.execute(
        select(Record).where(Record.entity == "report", Record.entity_id.in_(report_ids))).scalars()} if report_ids else {}
    ticket_ids = [r.data.get("ticket_id") for r in reports.values() if r.data.get("ticket_id")]
    tickets = {t.entity_id: t for t in db.session.execute(
        select(Record).where(Record.entity == "ticket", Record.entity_id.in_(ticket_ids))).scalars()} if ticket_ids else {}
    cases = {c.id: c for c in db.session.execute(
        select(IntakeCase).where(IntakeCase.id.in_(case_ids))).scalars()} if case_ids else {}
    grids = dict(db.session.execute(select(Grid.id, Grid.name)).all())
    departments = {i: (zh if _zh(lang) or not en else en)
                   for i, zh, en in db.session.execute(select(Department.id, Department.name, Department.name_en))}
    streets = dict(db.session.execute(select(Street.id, Street.name)).all())
    out = []
    for request_id, kind in rows:
        if kind == "report":
            report = reports[request_id]
            out.append(_report_request(report, tickets.get(report.data.get("ticket_id")), grids, departments, lang))
        else:
            out.append(_case_request(cases[request_id], streets, lang))
    return out


def _note(state: str, lang: str) -> str:
    pair = STATUS_NOTES.get(state)
    return (pair[0] if _zh(lang) else pair[1]) if pair else state


def _report_request(report: Record, ticket: Record | None, grids, departments, lang: str) -> dict:
    d = report.data
    status = d.get("status") or "open"
    if ticket is not None and ticket.data.get("due_at"):
        expected = datetime.fromisoformat(ticket.data["due_at"])
    else:
        expected = sla.resolve_due(d.get("category") or "", d.get("severity") or 2, report.created_at)
    agency = (departments.get(ticket.department_id) if ticket is not None and ticket.department_id
              else grids.get(report.grid_id))
    return {"service_request_id": report.entity_id, "status": "open" if status in OPEN_REPORT_STATES else "closed",
            "status_notes": _note(status, lang), "service_name": category_name(d.get("category") or "", lang),
            "service_code": d.get("category"), "description": d.get("description") or "",
            "agency_responsible": agency, "service_notice": "", "requested_datetime": _iso(report.created_at),
            "updated_datetime": _iso(report.updated_at), "expected_datetime": _iso(expected),
            "address": d.get("place") or "", "address_id": None, "zipcode": None, "lat": d.get("lat"),
            "long": d.get("lon"), "media_url": None}


def _case_request(case: IntakeCase, streets, lang: str) -> dict:
    expected = sla.resolve_due(case.service_code, 2, case.requested_at)
    return {"service_request_id": case.id, "status": "open", "status_notes": _note("queued", lang),
            "service_name": category_name(case.service_code, lang), "service_code": case.service_code,
            "description": case.description, "agency_responsible": streets.get(case.street_id),
            "service_notice": "", "requested_datetime": _iso(case.requested_at),
            "updated_datetime": _iso(case.updated_at), "expected_datetime": _iso(expected),
            "address": case.address or "", "address_id": None, "zipcode": None, "lat": case.lat,
            "long": case.lon, "media_url": None}


# --- XML, as the GeoReport v2 specification lays it out ---------------------------------


def _xml(root: str, item: str, rows: list[dict]) -> bytes:
    top = ET.Element(root)
    for row in rows:
        element = ET.SubElement(top, item)
        for key, value in row.items():
            child = ET.SubElement(element, key)
            if value is not None:
                child.text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(top, encoding="utf-8", xml_declaration=False)


def services_xml(rows: list[dict]) -> bytes:
    return _xml("services", "service", rows)


def requests_xml(rows: list[dict]) -> bytes:
    return _xml("service_requests", "request", rows)


def errors_xml(status: int, message: str) -> bytes:
    return _xml("errors", "error", [{"code": status, "description": message}])


def queue_entry(case: IntakeCase) -> dict:
    """A queued case as its street's supervisor sees it (the caller's contact included: it is their case).

    ``account`` and ``account_name`` say which system handed it in (the 12345 hotline …).
    """
    return {"id": case.id, "state": case.state, "street_id": case.street_id, "grid_id": case.grid_id,
            "account": case.account.code, "account_name": case.account.name,
            "service_code": case.service_code, "description": case.description, "lat": case.lat, "lon": case.lon,
            "address": case.address, "contact": case.contact or {}, "requested_at": case.requested_at,
            "assigned_by": case.assigned_by}

