"""A JSON body nested deeper than the parser's bound is a 400 ``too_deep`` on every endpoint that takes one."""

from __future__ import annotations

import uuid

import pytest

from server.api.parser import MAX_JSON_DEPTH
from tests.api.openapi_walk import operations

DEPTHS = [MAX_JSON_DEPTH + 1, 100, 999, 1000, 5000, 50_000]


def _nested(depth: int, shape: str) -> str:
    """A JSON text ``depth`` containers deep, written by hand so no encoder's own limit applies."""
    if shape == "lists":
        return "[" * depth + "]" * depth
    if shape == "objects":
        return '{"a":' * (depth - 1) + "{}" + "}" * (depth - 1)
    # A well-formed push whose one mutation carries the depth in its data.
    inner = depth - 4  # body, mutations, mutation, data
    data = '{"description":' + "[" * inner + "]" * inner + "}"
    return ('{"device_id":"fuzz-g1-2-phone","mutations":[{"id":"' + str(uuid.uuid4()) + '","entity":"report",'
            '"entity_id":"' + str(uuid.uuid4()) + '","op":"create","hlc":"001700000000000:00000:fuzz-g1-2-phone",'
            '"base_version":null,"data":' + data + "}]}")


@pytest.mark.parametrize("shape", ["lists", "objects"])
@pytest.mark.parametrize("depth", DEPTHS)
def test_a_body_nested_too_deep_is_refused_on_every_json_endpoint(client, auth, depth, shape):
    doc = client.get("/api/openapi.json").get_json()
    bodies = [op for op in operations(doc) if op.body is not None]
    assert len(bodies) >= 15  # login, push, ticket ops, the admin resources
    for op in bodies:
        headers = auth.headers("admin" if op.needs_admin else "g1-2")
        response = client.open(op.url(), method=op.method.upper(), data=_nested(depth, shape),
                               content_type="application/json", headers=headers)
        assert response.status_code == 400, (str(op), depth, response.get_data()[:300])
        assert response.get_json()["error"]["code"] == "too_deep"


@pytest.mark.parametrize("depth", DEPTHS)
def test_a_push_whose_mutation_data_nests_too_deep_is_refused_whole(client, auth, depth):
    auth.login("g1-2", device_id="fuzz-g1-2-phone")
    response = client.post("/api/sync/push", data=_nested(depth, "push"), content_type="application/json",
                           headers=auth.headers("g1-2"))
    assert response.status_code == 400, response.get_data()[:300]
    assert response.get_json()["error"] == {
        "code": "too_deep", "message": f"The request body nests deeper than {MAX_JSON_DEPTH} levels.",
        "details": {"max_depth": MAX_JSON_DEPTH},
    }


def test_a_push_at_the_nesting_bound_is_read_and_answered_per_mutation(client, auth):
    auth.login("g1-2", device_id="fuzz-g1-2-phone")
    response = client.post("/api/sync/push", data=_nested(MAX_JSON_DEPTH, "push"),
                           content_type="application/json", headers=auth.headers("g1-2"))
    assert response.status_code == 200, response.get_data()[:300]
    (result,) = response.get_json()["results"]
    assert result["status"] == "rejected"  # a list is no description
