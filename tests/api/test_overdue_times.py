"""The weekly overdue report's ``from`` and ``to`` are RFC 3339 date-times, as its document says, in any zone."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


@pytest.fixture(params=["Asia/Shanghai", "Africa/Monrovia", "America/Sao_Paulo", "Pacific/Chatham"])
def app_config(request):
    """Zones whose offsets once had seconds (Monrovia until 1972), have DST, or are not whole hours."""
    return {"GRIDWALK_TIMEZONE": request.param}


@pytest.mark.parametrize("week", ["1970-W01", "1971-W20", "1972-W01", "2020-W53", "2200-W52"])
def test_the_overdue_report_spans_its_week_in_rfc3339_date_times(client, auth, week):
    response = client.get(f"/api/tickets/overdue?week={week}", headers=auth.headers("street1"))
    assert response.status_code == 200, response.get_json()
    report = response.get_json()
    assert RFC3339.match(report["from"]) and RFC3339.match(report["to"]), (report["from"], report["to"])
    start, end = datetime.fromisoformat(report["from"]), datetime.fromisoformat(report["to"])
    assert timedelta(days=7) - timedelta(hours=1) <= end - start <= timedelta(days=7) + timedelta(hours=1)
    assert start.isocalendar()[:2] == tuple(int(x) for x in week.split("-W")) or start.utcoffset() == timedelta(0)
