"""Building mutations and talking push/pull in tests."""

from __future__ import annotations

import time
import uuid

_counter = [0]


def hlc(device: str, wall_ms: int | None = None) -> str:
    _counter[0] += 1
    wall = wall_ms if wall_ms is not None else int(time.time() * 1000)
    return f"{wall:015d}:{_counter[0] % 100000:05d}:{device}"


def mutation(entity, op, data=None, *, entity_id=None, base_version=None, device="dev-test", wall_ms=None,
             mutation_id=None):
    return {
        "id": mutation_id or str(uuid.uuid4()),
        "entity": entity,
        "entity_id": entity_id or str(uuid.uuid4()),
        "op": op,
        "hlc": hlc(device, wall_ms),
        "base_version": base_version,
        "data": data or {},
    }


def report(**data):
    return {"category": "facilities_damage", "description": "井盖破损", "lat": 30.2985, "lon": 120.1498,
            "severity": 2, **data}


class SyncSession:
    """One logged-in device pushing and pulling through the test client."""

    def __init__(self, client, auth, username, device_id=None):
        body = auth.login(username, device_id=device_id or f"{username}-phone-{uuid.uuid4().hex[:6]}")
        self.client = client
        self.device_id = auth.tokens[username]["device_id"]
        self.headers = {"Authorization": f"Bearer {body['access_token']}"}
        self.cursor = None

    def push(self, *mutations, expect=200):
        response = self.client.post("/api/sync/push", json={"device_id": self.device_id, "mutations": list(mutations)},
                                    headers=self.headers)
        assert response.status_code == expect, response.get_json()
        return response.get_json()

    def push_one(self, m):
        return self.push(m)["results"][0]

    def pull_all(self, limit=500):
        changes = {}
        while True:
            response = self.client.get("/api/sync/pull", query_string={"cursor": self.cursor or "", "limit": limit},
                                       headers=self.headers)
            assert response.status_code == 200, response.get_json()
            body = response.get_json()
            for c in body["changes"]:
                changes[(c["entity"], c["entity_id"])] = c
            self.cursor = body["cursor"]
            if not body["more"]:
                return changes

    def mutation(self, *args, **kwargs):
        return mutation(*args, device=self.device_id, **kwargs)


def concurrent_edits(client, auth, alice: SyncSession, bob: SyncSession, alice_data: dict, bob_data: dict):
    """Alice files a report; she and Bob then edit it from the same version, Bob later by the clock.

    Bob's values win; Alice's are kept as conflicts. Answers the report's id and
    the open conflicts the grid's lead sees, by field.
    """
    create = alice.mutation("report", "create", report())
    alice.push_one(create)
    now = int(time.time() * 1000)
    bob.push_one(bob.mutation("report", "update", bob_data, entity_id=create["entity_id"], base_version=1,
                              wall_ms=now + 5))
    alice.push_one(alice.mutation("report", "update", alice_data, entity_id=create["entity_id"], base_version=1,
                                  wall_ms=now))
    conflicts = client.get("/api/conflicts", headers=auth.headers("g1-1")).get_json()["conflicts"]
    return create["entity_id"], {c["field"]: c for c in conflicts}
