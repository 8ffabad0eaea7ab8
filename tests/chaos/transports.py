"""Transports for sync.client that talk to the real app and lose, repeat and reorder.

The server is real (the app, its database, its merge); only the network is
simulated. Every delivery to the server is logged with a global step number,
so the harness knows which changes a device could have seen when it wrote.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from sync.client import Lost, TransportError, Unauthorized


@dataclass
class Network:
    """The shared world: a step counter and the log of what reached the server."""

    rng: random.Random
    step: int = 0
    delivered: dict = field(default_factory=dict)  # mutation id -> first step it reached the server

    def tick(self) -> int:
        self.step += 1
        return self.step


@dataclass
class Faults:
    lose_before: float = 0.0  # the request never reaches the server
    lose_after: float = 0.0  # the server commits, the answer is lost
    redeliver: float = 0.0  # an old push arrives again, late and out of order

    @classmethod
    def none(cls) -> "Faults":
        return cls()


class FlakyAppTransport:
    """push/pull over a Flask test client, with injected network faults."""

    def __init__(self, client, headers: dict, network: Network, faults: Faults):
        self.client = client
        self.headers = headers
        self.network = network
        self.faults = faults
        self.online = True
        self._sent: list[dict] = []

    def _answer(self, response) -> dict:
        if response.status_code == 401:
            raise Unauthorized("401", status=401)
        if response.status_code >= 400:
            raise TransportError(f"HTTP {response.status_code}: {response.get_json()}", status=response.status_code,
                                 retryable=response.status_code >= 500)
        return response.get_json()

    def _maybe_redeliver(self) -> None:
        rng = self.network.rng
        if self._sent and rng.random() < self.faults.redeliver:
            old = rng.choice(self._sent)
            answer = self._answer(self.client.post("/api/sync/push", json=old, headers=self.headers))
            statuses = {r["status"] for r in answer["results"]}
            # A late copy of something the server already applied must change nothing.
            assert statuses <= {"duplicate", "rejected"} or all(
                m["id"] not in self.network.delivered for m in old["mutations"]
            ), answer

    def push(self, body: dict) -> dict:
        rng = self.network.rng
        if not self.online or rng.random() < self.faults.lose_before:
            raise Lost("offline" if not self.online else "lost before the server")
        self._maybe_redeliver()
        step = self.network.tick()
        answer = self._answer(self.client.post("/api/sync/push", json=body, headers=self.headers))
        for m in body["mutations"]:
            self.network.delivered.setdefault(m["id"], step)
        self._sent.append(body)
        if rng.random() < self.faults.lose_after:
            raise Lost("lost after the server committed")
        return answer

    def pull(self, cursor, limit: int) -> dict:
        if not self.online or self.network.rng.random() < self.faults.lose_before:
            raise Lost("offline" if not self.online else "lost before the server")
        self.network.tick()
        query = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        answer = self._answer(self.client.get("/api/sync/pull", query_string=query, headers=self.headers))
        if self.network.rng.random() < self.faults.lose_after:
            raise Lost("pull answer lost")
        return answer
