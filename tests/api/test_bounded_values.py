"""Values the database or ``datetime`` cannot hold are a JSON 4xx, never a 500, on every endpoint.

The endpoints, and which of their parameters and body fields are integers,
days or ISO weeks, come from /api/openapi.json, so an endpoint added later is
tried too. Each value is tried as every user who gets past the role check.
"""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.openapi_walk import is_day, is_integer, is_week, operations

HUGE_INTEGERS = [2**31, -(2**31) - 1, 2**40, 2**63, 2**64, -(2**63) - 1, 10**30, -(10**30)]
DAYS_OUTSIDE = ["0001-01-01", "9999-12-31", "1969-12-31", "2201-01-01", "0999-06-15"]
WEEKS_OUTSIDE = ["9999-W52", "0001-W01", "1969-W01", "2201-W01", "2019-W53", "2026-W00", "2026-W54"]


def _users(op) -> list[str]:
    return ["admin"] if op.needs_admin else ["g1-2", "street1"]


def _call(client, headers, op, *, query=None, path_values=None, body=None):
    kwargs = {"headers": headers, "query_string": query or {}}
    if op.body is not None:
        # The standard library writes any integer; the app's orjson stops at 64 bits.
        kwargs["data"] = json.dumps(body if body is not None else {})
        kwargs["content_type"] = "application/json"
    return client.open(op.url(**(path_values or {})), method=op.method.upper(), **kwargs)


def _assert_json_4xx(response, what: str) -> None:
    assert 400 <= response.status_code < 500, (what, response.status_code, response.get_data()[:300])
    error = response.get_json()["error"]
    assert isinstance(error["code"], str) and isinstance(error["message"], str), what


def _assert_integer_answered(response, schema: dict, value: int, what: str) -> None:
    """Outside the declared range (or 64 bits, when none is declared) a JSON 4xx; inside, no server error."""
    low, high = schema.get("minimum", -(2**63)), schema.get("maximum", 2**63 - 1)
    if not low <= value <= high:
        _assert_json_4xx(response, what)
    assert response.status_code < 500, (what, response.status_code, response.get_data()[:300])


def _params(doc, kind):
    return [(op, p) for op in operations(doc) for p in op.parameters
            if p["in"] in ("query", "path") and kind(p["schema"])]


@pytest.fixture
def doc(client):
    return client.get("/api/openapi.json").get_json()


@pytest.mark.parametrize("value", HUGE_INTEGERS)
def test_an_integer_beyond_its_column_in_any_query_or_path_is_refused_with_a_json_4xx(client, auth, doc, value):
    tried = 0
    for op, param in _params(doc, is_integer):
        for user in _users(op):
            if param["in"] == "path":
                response = _call(client, auth.headers(user), op, path_values={param["name"]: value})
            else:
                response = _call(client, auth.headers(user), op, query={param["name"]: str(value)})
            _assert_integer_answered(response, param["schema"], value, f"{op} {param['name']}={value} as {user}")
            tried += 1
    assert tried >= 20  # grid, offset, limit, department and the admin ids, at least


@pytest.mark.parametrize("value", DAYS_OUTSIDE)
def test_a_day_outside_1970_to_2200_in_any_query_answers_a_json_4xx(client, auth, doc, value):
    found = _params(doc, is_day)
    assert {p["name"] for _, p in found} >= {"date", "date_from", "date_to"}
    for op, param in found:
        for user in _users(op):
            response = _call(client, auth.headers(user), op, query={param["name"]: value})
            _assert_json_4xx(response, f"{op} {param['name']}={value} as {user}")


@pytest.mark.parametrize("value", WEEKS_OUTSIDE)
def test_a_week_outside_the_window_or_the_calendar_answers_a_json_4xx(client, auth, doc, value):
    found = _params(doc, is_week)
    assert found, "the overdue report takes ?week="
    for op, param in found:
        for user in _users(op):
            response = _call(client, auth.headers(user), op, query={param["name"]: value})
            _assert_json_4xx(response, f"{op} {param['name']}={value} as {user}")


@pytest.mark.parametrize("week", ["1970-W01", "2020-W53", "2026-W47", "2200-W52"])
def test_a_week_inside_the_window_is_answered(client, auth, week):
    response = client.get(f"/api/tickets/overdue?week={week}", headers=auth.headers("street1"))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["week"] == week


# Bodies that pass every other rule of their operation, so only the integer under test can fail.
VALID_BODIES = {
    ("post", "/api/tickets"): {"report_ids": ["3f2b8c1e-0000-4000-8000-000000000001"], "title": "井盖破损",
                               "category": "facilities_damage", "severity": 2},
    ("post", "/api/admin/grids"): {"community_id": 1, "code": "G99", "name": "新网格"},
    ("post", "/api/admin/streets"): {"district_id": 1, "code": "S99", "name": "新街道"},
    ("post", "/api/admin/communities"): {"street_id": 1, "code": "C99", "name": "新社区"},
    ("post", "/api/admin/teams"): {"grid_id": 1, "name": "新团队"},
    ("post", "/api/admin/departments"): {"district_id": 1, "code": "D99", "name": "新部门"},
    ("post", "/api/admin/beats"): {"user_id": 10, "name": "新责任区"},
    ("post", "/api/admin/users"): {"username": "new-user", "password": "long enough password",
                                   "role": "patroller", "grid_id": 1},
}


def _body_integers(op):
    return [name for name, prop in (op.body or {}).get("properties", {}).items()
            if is_integer(prop) and not prop.get("readOnly")]


@pytest.mark.parametrize("value", HUGE_INTEGERS)
def test_an_integer_beyond_its_column_in_any_body_is_refused_with_a_json_4xx(client, auth, doc, value):
    tried = set()
    for op in operations(doc):
        for name in _body_integers(op):
            body = {**VALID_BODIES.get((op.method, op.path), {}), name: value}
            for user in ["admin"] if op.needs_admin else ["g1-1", "street1"]:
                response = _call(client, auth.headers(user), op, body=body)
                _assert_integer_answered(response, op.body["properties"][name], value,
                                         f"{op} body {name}={value} as {user}")
            tried.add(f"{op} {name}")
    # The admin counts and ids, the ticket's severity and the ops' base_version among them.
    assert {"PATCH /api/admin/grids/{obj_id} population", "POST /api/tickets severity",
            "POST /api/tickets/{ticket_id}/dispatch department"} <= tried


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_integer_in_any_integer_query_is_answered_without_a_server_error(client, auth, doc, data):
    """Any integer at all: inside its declared range it is answered, outside it is a JSON 4xx."""
    op, param = data.draw(st.sampled_from([(o, p) for o, p in _params(doc, is_integer) if p["in"] == "query"]))
    value = data.draw(st.integers(-(2**70), 2**70) | st.sampled_from(HUGE_INTEGERS))
    user = _users(op)[0]
    response = _call(client, auth.headers(user), op, query={param["name"]: str(value)})
    _assert_integer_answered(response, param["schema"], value, f"{op} {param['name']}={value} as {user}")


def _cursor(payload) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.parametrize("seq", [2**63, 2**64, 10**30, -1, -(2**63) - 1, 1.5, "12", True, None, [1]])
def test_a_pull_cursor_holding_no_63_bit_sequence_answers_invalid_cursor(client, auth, seq):
    response = client.get(f"/api/sync/pull?cursor={_cursor({'s': seq})}", headers=auth.headers("g1-2"))
    assert response.status_code == 400, response.get_data()[:300]
    assert response.get_json()["error"]["code"] == "invalid_cursor"


def test_a_pull_cursor_at_the_largest_sequence_is_answered(client, auth):
    response = client.get(f"/api/sync/pull?cursor={_cursor({'s': 2**63 - 1})}", headers=auth.headers("g1-2"))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["changes"] == []
