"""Rows written by the push path's bulk statements read back through the ORM as written."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from server.extensions import db
from server.models import Record
from server.services.bulk import insert_many, update_many


def _row(entity_id: str, seq: int, **overrides) -> dict:
    at = datetime(2026, 11, 22, 1, 2, 3, 456789, tzinfo=timezone.utc)
    return {"entity": "report", "entity_id": entity_id, "grid_id": None, "department_id": None, "version": 1,
            "seq": seq, "deleted": False, "data": {"description": "井盖破损", "lat": 30.2985, "photos": [], "note": None},
            "clocks": {}, "status": "open", "category": "road", "owner": "g1-2", "day": "2026-11-22",
            "created_at": at, "updated_at": at, **overrides}


def test_inserted_and_updated_rows_read_back_as_written(app):
    later = datetime(2026, 11, 23, 8, 0, tzinfo=timezone(timedelta(hours=8)))
    with app.app_context():
        top = db.session.execute(db.select(db.func.max(Record.seq))).scalar() or 0
        insert_many(Record.__table__, [_row("bulk-1", top + 1), _row("bulk-2", top + 2, deleted=True, status=None)])
        update_many(Record.__table__, ("entity", "entity_id"), [{
            "k_entity": "report", "k_entity_id": "bulk-1", "version": 2, "seq": top + 3,
            "data": {"description": "已修复", "severity": 3}, "updated_at": later,
        }])
        db.session.commit()
        first = db.session.get(Record, ("report", "bulk-1"))
        second = db.session.get(Record, ("report", "bulk-2"))
        assert (first.version, first.seq, first.data) == (2, top + 3, {"description": "已修复", "severity": 3})
        assert first.updated_at == later and first.updated_at.tzinfo is not None
        assert first.created_at == datetime(2026, 11, 22, 1, 2, 3, 456789, tzinfo=timezone.utc)
        assert second.deleted is True and second.status is None
        assert second.data == {"description": "井盖破损", "lat": 30.2985, "photos": [], "note": None}


def test_rows_must_all_give_the_same_columns(app):
    with app.app_context():
        rows = [_row("bulk-3", 10**9), {**_row("bulk-4", 10**9 + 1), "unknown": 1}]
        with pytest.raises(ValueError):
            insert_many(Record.__table__, rows)
        db.session.rollback()
