"""/api/openapi.json says what the API really does: its error body, its bounds, its methods and parameters."""

from __future__ import annotations

import pytest

from tests.api.openapi_walk import is_day, is_integer, is_week, operations, request_schemas, resolve

INT64 = (-(2**63), 2**63 - 1)


@pytest.fixture
def doc(client):
    return client.get("/api/openapi.json").get_json()


def test_every_error_response_is_declared_with_the_body_errors_really_have(client, auth, doc):
    error = resolve(doc, doc["components"]["responses"]["DEFAULT_ERROR"]["content"]["application/json"]["schema"])
    assert error["required"] == ["error"]
    body = resolve(doc, error["properties"]["error"])
    assert set(body["properties"]) == {"code", "message", "details"}
    assert set(body["required"]) == {"code", "message"}
    assert body["properties"]["code"]["type"] == "string"
    for op in operations(doc):
        item = doc["paths"][op.path][op.method]
        assert item["responses"]["default"] == {"$ref": "#/components/responses/DEFAULT_ERROR"}, str(op)
        for status, response in item["responses"].items():
            if status.startswith("4") and "$ref" in response:
                declared = resolve(doc, response)["content"]["application/json"]["schema"]
                assert resolve(doc, declared) == error, (str(op), status)
    # And the answers do have it: a 401, a 404, a 405, a 422.
    h = auth.headers("g1-2")
    for response in (client.get("/api/me"), client.get("/api/nowhere", headers=h),
                     client.get("/api/auth/login"), client.get("/api/tickets?limit=0", headers=h)):
        got = response.get_json()
        assert set(got) == {"error"} and {"code", "message"} <= set(got["error"]) <= {"code", "message", "details"}


def test_every_integer_day_and_week_a_request_carries_declares_its_bounds(doc):
    checked = {"integer": 0, "day": 0, "week": 0}
    for where, schema in request_schemas(doc):
        if is_integer(schema):
            assert "minimum" in schema and "maximum" in schema, where
            assert INT64[0] <= schema["minimum"] <= schema["maximum"] <= INT64[1], where
            checked["integer"] += 1
        if is_day(schema):
            assert schema.get("pattern", "").startswith("^(?:19[7-9][0-9]|2[01][0-9]{2}|2200)-"), where
            checked["day"] += 1
        if is_week(schema):
            assert "-W53" in schema["pattern"], where  # only the years that have one
            checked["week"] += 1
    assert checked["integer"] >= 30 and checked["day"] >= 3 and checked["week"] >= 1, checked


def test_every_api_path_allows_exactly_its_documented_methods(client, doc):
    for path, item in doc["paths"].items():
        op = next(o for o in operations(doc) if o.path == path)
        url = op.url()
        declared = {m.upper() for m in item if m in ("get", "post", "put", "patch", "delete", "head")}
        implicit = {"OPTIONS"} | ({"HEAD"} if "GET" in declared else set())
        allow = client.options(url).headers.get("Allow", "")
        assert {m.strip() for m in allow.split(",")} == declared | implicit, (path, allow)
        for method in {"GET", "POST", "PUT", "PATCH", "DELETE"} - declared - implicit:
            response = client.open(url, method=method)
            assert response.status_code == 405, (method, path, response.status_code)
            assert response.get_json()["error"]["code"] == "method_not_allowed"


def test_an_api_path_outside_the_document_is_a_json_404_for_every_method(client):
    for path in ("/api", "/api/", "/api/nowhere", "/api/tickets/not-a-uuid", "/api/tickets/overdue/x"):
        for method in ("GET", "POST", "PUT", "DELETE"):
            response = client.open(path, method=method)
            assert response.status_code == 404, (method, path, response.status_code)
            assert response.get_json()["error"]["code"] == "not_found"


def test_a_query_parameter_an_endpoint_does_not_define_is_refused(client, auth, doc):
    tried = 0
    for op in operations(doc):
        if op.method != "get" or not any(p["in"] == "query" for p in op.parameters):
            continue
        user = "admin" if op.needs_admin else "street1"
        response = client.get(op.url(), query_string={"grdi": "3"}, headers=auth.headers(user))
        assert response.status_code == 422, (str(op), response.status_code)
        assert response.get_json()["error"]["details"] == {"grdi": ["Unknown field."]}, str(op)
        tried += 1
    assert tried >= 10
