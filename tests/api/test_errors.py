"""Bad input gets a clear JSON 4xx, never a 500 or an HTML page."""

from __future__ import annotations


def assert_json_error(response, status, code=None):
    assert response.status_code == status, response.data[:300]
    assert response.is_json
    error = response.get_json()["error"]
    assert error["message"]
    if code:
        assert error["code"] == code
    return error


def test_unknown_path_is_a_json_404(client):
    assert_json_error(client.get("/api/no-such-thing"), 404, "not_found")


def test_wrong_method_is_a_json_405(client):
    assert_json_error(client.delete("/api/health"), 405, "method_not_allowed")


def test_malformed_json_body_is_a_400_that_says_so(client):
    response = client.post("/api/auth/login", data="{not json", content_type="application/json")
    assert_json_error(response, 400, "malformed_json")


def test_wrong_types_are_named_field_by_field(client):
    response = client.post("/api/auth/login", json={"username": 12, "password": ["x"], "device_id": "phone-0001"})
    error = assert_json_error(response, 422, "invalid")
    assert set(error["details"]) == {"username", "password"}


def test_missing_fields_are_named(client):
    error = assert_json_error(client.post("/api/auth/login", json={}), 422, "invalid")
    assert {"username", "password", "device_id"} <= set(error["details"])


def test_unknown_fields_are_refused(client):
    body = {"username": "g1-2", "password": "x", "device_id": "phone-0001", "is_admin": True}
    error = assert_json_error(client.post("/api/auth/login", json=body), 422, "invalid")
    assert "is_admin" in error["details"]


def test_a_json_array_instead_of_an_object_is_refused(client):
    assert_json_error(client.post("/api/auth/login", json=[1, 2]), 422)


def test_huge_bodies_are_refused_with_413(client, app):
    body = b"{" + b" " * (app.config["MAX_CONTENT_LENGTH"] + 10) + b"}"
    response = client.post("/api/auth/login", data=body, content_type="application/json")
    assert_json_error(response, 413, "too_large")


def test_admin_validation_errors_are_422_with_details(client, auth):
    response = client.post(
        "/api/admin/grids",
        json={"community_id": 1, "code": "GX", "name": "x", "kind": "volcano", "population": -4},
        headers=auth.headers("admin"),
    )
    error = assert_json_error(response, 422, "invalid")
    assert {"kind", "population"} <= set(error["details"])


def test_health_checks_the_database(client):
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"


def test_every_code_the_services_raise_has_its_status_in_the_one_table():
    """A DomainError or rejection code missing from STATUS_OF would silently answer 422."""
    import ast
    from pathlib import Path

    from server.errors import STATUS_OF

    raised = set()
    for path in Path(__file__).resolve().parents[2].joinpath("server").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("DomainError", "Rejection"):
                if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                    raised.add(node.args[0].value)
    assert raised and raised <= set(STATUS_OF), sorted(raised - set(STATUS_OF))
