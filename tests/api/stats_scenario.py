"""A hand-built month in street 1 whose statistics are known, made through the real write path.

Every record is a mutation applied by ``server.services.sync.apply_mutations``
at a chosen moment (time-machine moves the clock the server reads), so
deadlines, closing times and the audit trail are what the workflow makes of
them. November 2026, Asia/Shanghai. What it holds, and what follows:

==========  =====================================================  ==========
ticket      life                                                   counts as
==========  =====================================================  ==========
A  (grid 1) 2 reports; dispatched to D1 Nov 2 09:30, acknowledged  closed on time,
            1 h later, fixed 24 h after dispatch, verified, closed  grid level
            Nov 3 16:00 (due Nov 4 09:00)
B  (grid 1) dispatched to D1 Nov 5 09:30, acknowledged after 2 h,  closed on time,
            fixed after 8 h, verification fails (rework), fixed     reworked: lowers
            again 28 h after dispatch, closed Nov 6 16:00            一次完成率
C  (grid 1) approved Nov 10, never closed (due Nov 12 09:00)        open and overdue:
                                                                   lowers 按期结案率
D  (grid 2) escalated to the community, dispatched to D2 Nov 3      closed late,
            10:00, acknowledged after 4 h, fixed after 96 h,        community level
            closed Nov 9 (due Nov 5 09:00)
E  (grid 2) livelihood, severity 1, approved Nov 29 (due Dec 6)     open, not overdue
F  (grid 3) escalated to the street, closed by street1 Nov 12       closed on time,
            15:00 without a department (due Nov 14)                 street level
==========  =====================================================  ==========

Reports found in November: grid 1: 5 (1 solved on site), grid 2: 4 (2 on
site), grid 3: 1, grid 4: 3 (1 on site) — 13 in the street; one more in grid 1
on Oct 28 (the month before) and one on Dec 1 00:30 local time (Nov 30 16:30
UTC: December's). Visits: 2 in grid 1, 1 in grid 3. Check-ins: g1-1 on Nov 2
and 3, g1-2 twice on Nov 2, g2-1 on Nov 3: 4 member-days of 6 × 30 per grid.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import func, select

from server import create_app
from server.extensions import db, limiter
from server.models import Record, User
from server.services.scope import scope_for
from server.services.sync import apply_mutations
from sync.hlc import format_hlc
from tests.conftest import PASSWORD, TEST_CONFIG, _wipe

TZ = ZoneInfo("Asia/Shanghai")
# When the figures are read: the month is over, ticket E is green, C is red.
READ_AT = datetime(2026, 12, 1, 10, 0, tzinfo=TZ)


def local(month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=TZ)


# What the scenario makes, for the tests to compare with (street 1, November 2026).
EXPECTED_STREET = {
    "found": 13, "opened": 6, "closed": 4, "closed_on_time": 3, "open_overdue": 1,
    "closing_rate": 4 / 6, "on_time_rate": 3 / 5, "rework_rate": 1 / 4, "first_time_rate": 3 / 4,
    "grid_solved_rate": 6 / 8, "checkin_compliance": 4 / 720, "visits": 3,
}
EXPECTED_GRIDS = {
    1: {"found": 5, "opened": 3, "closed": 2, "closed_on_time": 2, "open_overdue": 1, "closing_rate": 2 / 3,
        "on_time_rate": 2 / 3, "rework_rate": 1 / 2, "first_time_rate": 1 / 2, "grid_solved_rate": 1.0,
        "checkin_compliance": 3 / 180, "visits": 2},
    2: {"found": 4, "opened": 2, "closed": 1, "closed_on_time": 0, "open_overdue": 0, "closing_rate": 1 / 2,
        "on_time_rate": 0.0, "rework_rate": 0.0, "first_time_rate": 1.0, "grid_solved_rate": 2 / 3,
        "checkin_compliance": 1 / 180, "visits": 0},
    3: {"found": 1, "opened": 1, "closed": 1, "closed_on_time": 1, "open_overdue": 0, "closing_rate": 1.0,
        "on_time_rate": 1.0, "rework_rate": 0.0, "first_time_rate": 1.0, "grid_solved_rate": 0.0,
        "checkin_compliance": 0.0, "visits": 1},
    4: {"found": 3, "opened": 0, "closed": 0, "closed_on_time": 0, "open_overdue": 0, "closing_rate": None,
        "on_time_rate": None, "rework_rate": None, "first_time_rate": None, "grid_solved_rate": 1.0,
        "checkin_compliance": 0.0, "visits": 0},
}
# Scores by the weight table: grid 3 75, grid 1 ≈56.9, grid 4 40, grid 2 ≈36.8.
EXPECTED_RANKING = [(3, "horse"), (1, "horse"), (4, "snail"), (2, "snail")]


class Scenario:
    """Applies mutations as demo users at chosen moments; remembers the ids it made."""

    def __init__(self, app):
        self.app = app
        self.ids: dict[str, str] = {}

    def apply(self, when: datetime, username: str, entity: str, op: str, data: dict | None = None,
              entity_id: str | None = None) -> str:
        entity_id = entity_id or str(uuid.uuid4())
        with time_machine.travel(when, tick=False), self.app.app_context():
            user = db.session.execute(db.select(User).filter_by(username=username)).scalar_one()
            record = db.session.get(Record, (entity, entity_id))
            device = f"scenario-{username}"
            mutation = {"id": str(uuid.uuid4()), "entity": entity, "entity_id": entity_id, "op": op,
                        "hlc": format_hlc(int(when.timestamp() * 1000), 0, device),
                        "base_version": record.version if record else None, "data": data or {}}
            answer = apply_mutations(user, scope_for(user), device, [mutation])
            result = answer["results"][0]
            assert result["status"] == "applied", (username, entity, op, result)
            db.session.remove()
        return entity_id

    def report(self, when: datetime, username: str, *, category: str = "facilities_damage",
               status: str = "needs_handoff", lat: float = 30.2985, lon: float = 120.1498) -> str:
        return self.apply(when, username, "report", "create", {
            "category": category, "description": "井盖破损，需要更换", "lat": lat, "lon": lon, "severity": 2,
            "status": status, "device_time": when.isoformat()})

    def ticket(self, when: datetime, lead: str, report_ids: list[str], *, category: str = "facilities_damage",
               severity: int = 2, title: str = "井盖破损") -> str:
        return self.apply(when, lead, "ticket", "create", {
            "report_ids": report_ids, "title": title, "category": category, "severity": severity})

    def act(self, when: datetime, username: str, ticket_id: str, op: str, **data) -> None:
        self.apply(when, username, "ticket", op, data, entity_id=ticket_id)


def build(app) -> Scenario:
    """Lay the month out; answer the scenario with the ticket ids under their letters."""
    s = Scenario(app)
    # Grid 1 (lead g1-1, patroller g1-2; supervisor street1; department D1 = dept1).
    r1, r2 = s.report(local(11, 2, 8), "g1-2"), s.report(local(11, 2, 8, 30), "g1-3")
    a = s.ids["A"] = s.ticket(local(11, 2, 9), "g1-1", [r1, r2])
    s.act(local(11, 2, 9, 10), "g1-1", a, "submit")
    s.act(local(11, 2, 9, 20), "street1", a, "approve")
    s.act(local(11, 2, 9, 30), "street1", a, "dispatch", department=1)
    s.act(local(11, 2, 10, 30), "dept1", a, "acknowledge")
    s.act(local(11, 3, 9, 30), "dept1", a, "resolve", note="已更换井盖")
    s.act(local(11, 3, 15), "g1-2", a, "verify", fixed=True, note="复查已修好")
    s.act(local(11, 3, 16), "g1-1", a, "close")

    r3 = s.report(local(11, 5, 8), "g1-2")
    b = s.ids["B"] = s.ticket(local(11, 5, 9), "g1-1", [r3])
    s.act(local(11, 5, 9, 10), "g1-1", b, "submit")
    s.act(local(11, 5, 9, 20), "street1", b, "approve")
    s.act(local(11, 5, 9, 30), "street1", b, "dispatch", department=1)
    s.act(local(11, 5, 11, 30), "dept1", b, "acknowledge")
    s.act(local(11, 5, 17, 30), "dept1", b, "resolve", note="已修")
    s.act(local(11, 6, 9), "g1-2", b, "verify", fixed=False, note="仍然松动")
    s.act(local(11, 6, 13, 30), "dept1", b, "resolve", note="重新固定")
    s.act(local(11, 6, 15), "g1-2", b, "verify", fixed=True)
    s.act(local(11, 6, 16), "g1-1", b, "close")

    r4 = s.report(local(11, 10, 8), "g1-4")
    c = s.ids["C"] = s.ticket(local(11, 10, 9), "g1-1", [r4])
    s.act(local(11, 10, 9, 10), "g1-1", c, "submit")
    s.act(local(11, 10, 9, 20), "street1", c, "approve")

    s.report(local(11, 15, 10), "g1-5", category="city_appearance", status="solved_on_site")
    s.report(local(10, 28, 10), "g1-2")  # the month before
    s.report(datetime(2026, 12, 1, 0, 30, tzinfo=TZ), "g1-2")  # December's, though still Nov 30 in UTC

    # Grid 2 (lead g2-1; department D2 = dept2).
    g2 = {"lat": 30.3012, "lon": 120.1531}
    r5 = s.report(local(11, 3, 8), "g2-2", **g2)
    d = s.ids["D"] = s.ticket(local(11, 3, 9), "g2-1", [r5])
    s.act(local(11, 3, 9, 5), "g2-1", d, "escalate")
    s.act(local(11, 3, 9, 10), "g2-1", d, "submit")
    s.act(local(11, 3, 9, 30), "street1", d, "approve")
    s.act(local(11, 3, 10), "street1", d, "dispatch", department=2)
    s.act(local(11, 3, 14), "dept2", d, "acknowledge")
    s.act(local(11, 7, 10), "dept2", d, "resolve", note="已处理")
    s.act(local(11, 8, 10), "g2-2", d, "verify", fixed=True)
    s.act(local(11, 9, 10), "g2-1", d, "close")

    r6 = s.report(local(11, 29, 9), "g2-3", category="livelihood", **g2)
    e = s.ids["E"] = s.ticket(local(11, 29, 10), "g2-1", [r6], category="livelihood", severity=1,
                              title="困难老人帮扶")
    s.act(local(11, 29, 10, 10), "g2-1", e, "submit")
    s.act(local(11, 29, 10, 20), "street1", e, "approve")
    s.report(local(11, 20, 10), "g2-2", category="sanitation", status="solved_on_site", **g2)
    s.report(local(11, 21, 10), "g2-4", category="sanitation", status="solved_on_site", **g2)

    # Grid 3 (lead g3-1): escalated to the street and closed there.
    g3 = {"lat": 30.2957, "lon": 120.1556}
    r7 = s.report(local(11, 12, 8), "g3-2", **g3)
    f = s.ids["F"] = s.ticket(local(11, 12, 9), "g3-1", [r7])
    s.act(local(11, 12, 9, 5), "g3-1", f, "escalate")
    s.act(local(11, 12, 9, 10), "g3-1", f, "submit")
    s.act(local(11, 12, 10), "street1", f, "escalate")
    s.act(local(11, 12, 10, 5), "street1", f, "approve")
    s.act(local(11, 12, 15), "street1", f, "close")

    # Grid 4: reports only.
    g4 = {"lat": 30.3040, "lon": 120.1479}
    s.report(local(11, 14, 10), "g4-2", category="sanitation", status="open", **g4)
    s.report(local(11, 16, 10), "g4-3", category="sanitation", status="open", **g4)
    s.report(local(11, 16, 11), "g4-2", category="sanitation", status="solved_on_site", **g4)

    # Visits and check-ins.
    visit = {"place_kind": "household", "place": "3幢2单元501", "contact_name": "李秀英",
             "contact_phone": "13805710001", "people_met": 2, "needs": "独居老人，需定期探访"}
    s.apply(local(11, 4, 10), "g1-2", "visit", "create", {**visit, "visited_at": local(11, 4, 10).isoformat()})
    s.apply(local(11, 18, 10), "g1-3", "visit", "create", {**visit, "visited_at": local(11, 18, 10).isoformat()})
    s.apply(local(11, 19, 10), "g3-2", "visit", "create", {**visit, "visited_at": local(11, 19, 10).isoformat()})
    for when, who, where in ((local(11, 2, 8), "g1-1", (30.2985, 120.1498)),
                             (local(11, 3, 8), "g1-1", (30.2985, 120.1498)),
                             (local(11, 2, 8), "g1-2", (30.2985, 120.1498)),
                             (local(11, 2, 17), "g1-2", (30.2985, 120.1498)),
                             (local(11, 3, 8), "g2-1", (30.3012, 120.1531))):
        s.apply(when, who, "checkin", "create", {"at": when.isoformat(), "lat": where[0], "lon": where[1]})
    return s


class Month:
    """The built month on one database, and a way to read the API as a demo user at READ_AT."""

    def __init__(self, app):
        self.app = app
        self.client = app.test_client()
        self.ids: dict[str, str] = {}
        self.tokens: dict[str, str] = {}

    def ensure(self) -> None:
        """Build the month unless it is still there (another module's test may have wiped the database)."""
        with self.app.app_context():
            a = self.ids.get("A")
            intact = a and db.session.get(Record, ("ticket", a)) is not None and db.session.execute(
                select(func.count()).select_from(Record).where(Record.entity == "ticket")).scalar() == 6
            db.session.remove()
        if intact:
            return
        with self.app.app_context():
            _wipe(self.app)
            from server.seed import seed_demo

            seed_demo(password=PASSWORD)
            limiter.reset()
            db.session.remove()
        self.tokens.clear()
        self.ids = build(self.app).ids

    def get(self, path: str, user: str, *, buffered: bool = True, headers: dict | None = None, **params):
        with time_machine.travel(READ_AT, tick=False):
            if user not in self.tokens:
                body = self.client.post("/api/auth/login", json={
                    "username": user, "password": PASSWORD, "device_id": f"stats-{user}"}).get_json()
                self.tokens[user] = body["access_token"]
            return self.client.get(path, query_string=params, buffered=buffered,
                                   headers={"Authorization": f"Bearer {self.tokens[user]}", **(headers or {})})

    def ok(self, path: str, user: str, **params) -> dict:
        response = self.get(path, user, **params)
        assert response.status_code == 200, response.get_json()
        return response.get_json()


@pytest.fixture(scope="module")
def built(database_url, tmp_path_factory):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url,
                      "GRIDWALK_MEDIA_URL": "file://" + str(tmp_path_factory.mktemp("media"))})
    yield Month(app)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def month(built) -> Month:
    built.ensure()
    return built
