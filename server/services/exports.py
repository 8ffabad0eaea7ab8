"""Exports for the desk: CSV files with personal data masked.

Names and phone numbers of the households and shops visited are personal
data. The grid and its street read them in the app; an exported file leaves
the system, so it only ever carries masked forms (李*, 138****1111).

Every cell is written through :func:`neutralise_cell`: text a patroller typed
(``=HYPERLINK(...)``, ``@SUM(...)``) would otherwise run as a formula in the
spreadsheet that opens the file at the desk (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from server.extensions import db
from server.models import Record

VISIT_COLUMNS = ("id", "grid_id", "day", "visited_at", "visitor", "place_kind", "place", "people_met",
                 "contact_name", "contact_phone", "needs", "notes", "follow_up")


# What makes a spreadsheet read a cell as a formula: OWASP's list (= + - @,
# tab, carriage return), the ASVS's NUL, a line feed (the same trick as CR),
# and the full-width forms an input method types in a Chinese locale.
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def neutralise_cell(value) -> str:
    """The cell as text, prefixed with a single quote when it would start a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_LEADS) else text


def _write_row(writer, cells) -> None:
    writer.writerow([neutralise_cell(cell) for cell in cells])


def mask_name(name: str | None) -> str:
    if not name:
        return ""
    return name[0] + "*" * max(len(name) - 1, 1)


def mask_phone(phone: str | None) -> str:
    if not phone:
        return ""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def visits_csv(scope, query: dict) -> str:
    """The visits the caller may see (optionally one grid, a day range), masked, as CSV."""
    stmt = scope.filter_records(select(Record).where(Record.entity == "visit", Record.deleted.is_(False)))
    if query.get("grid") is not None:
        scope.require_grid(query["grid"])
        stmt = stmt.where(Record.grid_id == query["grid"])
    if query.get("date_from"):
        stmt = stmt.where(Record.day >= query["date_from"].isoformat())
    if query.get("date_to"):
        stmt = stmt.where(Record.day <= query["date_to"].isoformat())
    out = io.StringIO()
    # A byte-order mark so spreadsheet programs open the Chinese text as UTF-8.
    out.write("\ufeff")
    writer = csv.writer(out)
    _write_row(writer, VISIT_COLUMNS)
    for r in db.session.execute(stmt.order_by(Record.day, Record.created_at)).scalars():
        d = r.data
        _write_row(writer, [
            r.entity_id, r.grid_id, r.day, d.get("visited_at") or "", d.get("visitor") or "",
            d.get("place_kind") or "", d.get("place") or "", d.get("people_met") or "",
            mask_name(d.get("contact_name")), mask_phone(d.get("contact_phone")), d.get("needs") or "",
            d.get("notes") or "", "yes" if d.get("follow_up") else "no",
        ])
    return out.getvalue()
