"""A simulated network between the reference sync client and the real app.

The server is real (the Flask app, its database, its merge); only the wire is
simulated. Each request a device makes takes the next entry of a *fault schedule*
that hypothesis generates, round and round (so a failing scenario shrinks
towards a short schedule of few faults). The faults:

* ``lose_before`` — the request never reaches the server;
* ``lose_after`` — the server handles and commits it, the answer is lost;
* ``hold`` — the request is stuck in the network: the device sees it fail,
  and it reaches the server later (when the scenario delivers held requests),
  after the device's later pushes;
* ``reorder`` — a push's mutations reach the server as one request per record,
  the records in reverse order (a device's own order is kept per record,
  which is what the protocol asks of a device);
* ``redeliver`` — an earlier push of the same device is delivered again, late,
  before this one.

The :class:`Network` logs every answer the server gave for every mutation id,
whether or not the device got to see it, so the harness can check that a
mutation was never applied twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sync.client import Lost, Unauthorized

OK = "ok"
LOSE_BEFORE = "lose_before"
LOSE_AFTER = "lose_after"
HOLD = "hold"
REORDER = "reorder"
REDELIVER = "redeliver"
FAULTS = (OK, LOSE_BEFORE, LOSE_AFTER, HOLD, REORDER, REDELIVER)
# Faults that make sense for a pull (a GET is never held or re-sent on purpose).
PULL_FAULTS = frozenset({LOSE_BEFORE, LOSE_AFTER})
APPLIED = frozenset({"applied", "conflict"})


@dataclass
class Network:
    """What all devices share: the fault schedule, requests in flight, the answer log."""

    schedule: list[str] = field(default_factory=list)
    faulty: bool = True
    position: int = 0
    held: list[tuple["AppTransport", dict]] = field(default_factory=list)
    # mutation id -> every status the server answered for it, in order
    answers: dict[str, list[str]] = field(default_factory=dict)
    requests: int = 0
    injected: dict[str, int] = field(default_factory=dict)

    def next_fault(self) -> str:
        """The fault for the next request: the schedule's next entry, round and round."""
        if not self.faulty or not self.schedule:
            return OK
        fault = self.schedule[self.position % len(self.schedule)]
        self.position += 1
        return fault

    def count(self, fault: str) -> None:
        if self.faulty:
            self.injected[fault] = self.injected.get(fault, 0) + 1

    def log(self, answer: dict) -> None:
        for result in answer.get("results", []):
            self.answers.setdefault(result.get("id"), []).append(result.get("status"))

    def deliver_held(self, index: int) -> None:
        """Let one held request through (its answer goes nowhere)."""
        if self.held:
            transport, body = self.held.pop(index % len(self.held))
            transport.post_push(body)

    def flush(self) -> None:
        """Deliver everything still held, newest first."""
        while self.held:
            self.deliver_held(-1)

    def check_never_applied_twice(self) -> None:
        """Every mutation was applied at most once; every later copy answered "duplicate"."""
        for mutation_id, statuses in self.answers.items():
            first = next((i for i, s in enumerate(statuses) if s in APPLIED), None)
            if first is None:
                continue
            later = statuses[first + 1:]
            assert all(s == "duplicate" for s in later), (mutation_id, statuses)


class AppTransport:
    """``push``/``pull`` of one device over its own Flask test client and token."""

    def __init__(self, client, headers: dict, network: Network):
        self.client = client
        self.headers = headers
        self.network = network
        self.online = True
        self.sent: list[dict] = []

    # --- the wire ---------------------------------------------------------------

    def _answer(self, response) -> dict:
        if response.status_code == 401:
            raise Unauthorized("401", status=401)
        if response.status_code >= 400:
            # A 4xx here is a harness bug or a server bug, never a network fault.
            raise AssertionError(f"HTTP {response.status_code}: {response.get_data(as_text=True)[:500]}")
        return response.get_json()

    def post_push(self, body: dict) -> dict:
        """Deliver one push body to the server and log what it answered."""
        self.network.requests += 1
        answer = self._answer(self.client.post("/api/sync/push", json=body, headers=self.headers))
        self.network.log(answer)
        return answer

    def _get_pull(self, cursor: str | None, limit: int) -> dict:
        self.network.requests += 1
        query = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        return self._answer(self.client.get("/api/sync/pull", query_string=query, headers=self.headers))

    # --- the client's side ------------------------------------------------------

    def push(self, body: dict) -> dict:
        if not self.online:
            raise Lost("offline")
        fault = self.network.next_fault()
        self.network.count(fault)
        if fault == LOSE_BEFORE:
            raise Lost("lost before the server")
        if fault == HOLD:
            self.network.held.append((self, body))
            raise Lost("stuck in the network; it will arrive later")
        if fault == REDELIVER and self.sent:
            self.post_push(self.sent[self.network.injected[REDELIVER] % len(self.sent)])
        answer = self._push_reordered(body) if fault == REORDER else self.post_push(body)
        self.sent.append(body)
        if fault == LOSE_AFTER:
            raise Lost("the server committed; the answer was lost")
        return answer

    def _push_reordered(self, body: dict) -> dict:
        groups: dict[tuple, list[dict]] = {}
        for m in body["mutations"]:
            groups.setdefault((m.get("entity"), m.get("entity_id")), []).append(m)
        results: dict[str, dict] = {}
        answer: dict = {}
        for mutations in reversed(list(groups.values())):
            answer = self.post_push({**body, "mutations": mutations})
            results.update({r["id"]: r for r in answer["results"]})
        ordered = [results[m["id"]] for m in body["mutations"]]
        return {**answer, "results": ordered}

    def pull(self, cursor: str | None, limit: int) -> dict:
        if not self.online:
            raise Lost("offline")
        fault = self.network.next_fault()
        if fault not in PULL_FAULTS:
            fault = OK
        self.network.count(fault)
        if fault == LOSE_BEFORE:
            raise Lost("lost before the server")
        answer = self._get_pull(cursor, limit)
        if fault == LOSE_AFTER:
            raise Lost("the answer was lost")
        return answer



class RecordingTransport:
    """Any transport, with every push answer that arrives logged in a :class:`Network`."""

    def __init__(self, inner, network: Network):
        self.inner = inner
        self.network = network

    def push(self, body: dict) -> dict:
        answer = self.inner.push(body)
        self.network.log(answer)
        return answer

    def pull(self, cursor: str | None, limit: int) -> dict:
        return self.inner.pull(cursor, limit)
