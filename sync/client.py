"""The reference sync client: outbox, push, pull and a local view.

It speaks the protocol of docs/PROTOCOL.md through a *transport*,
any object with::

    push(body: dict) -> dict            # POST /api/sync/push (its body asks to pull too)
    pull(cursor: str | None, limit: int) -> dict   # GET /api/sync/pull

that raises :class:`TransportError` when a request fails. :class:`HttpTransport`
is the one that talks HTTP; tests and chaos runs pass in-memory ones. The PWA's
``pwa/src/sync/`` mirrors this module.

Guarantees:

* :meth:`SyncClient.record` stamps a mutation with the device's HLC and the
  version of the local copy it was made on, and queues it in the outbox.
* A mutation leaves the outbox only when the server answered ``applied``,
  ``duplicate``, ``conflict`` or ``rejected`` for it. Rejected ones are kept in
  :attr:`SyncClient.rejected` with the server's error. A lost answer means the
  mutation is sent again; the server dedupes by mutation id.
* Failed requests are retried with exponential backoff (``sleep`` is
  injectable); a request refused as unauthorized is not retried.
* :meth:`SyncClient.view` shows the pulled records with every still-pending
  local mutation merged on top (``sync.merge``), so the screen never flips back
  to an older value while an edit is on its way.
* With ``store`` set, everything (outbox, clock, cursor, records) is written
  to that JSON file atomically after every change, so a killed process loses
  nothing and simply re-sends.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Protocol

from sync.entities import entity_spec
from sync.hlc import HybridLogicalClock, parse_hlc, validate_device_node
from sync.merge import EntityState, merge, state_from_snapshot
from sync.mutation import Mutation, mutation_to_dict, parse_mutation

STORE_FORMAT = 1
ANSWERED = frozenset({"applied", "duplicate", "conflict"})


class TransportError(Exception):
    """A sync request failed. ``retryable`` says whether trying again may help."""

    retryable = True

    def __init__(self, message: str = "", *, status: int | None = None, retryable: bool | None = None):
        super().__init__(message)
        self.status = status
        if retryable is not None:
            self.retryable = retryable


class Lost(TransportError):
    """The request or its answer was lost; the server may or may not have handled it."""


class Unauthorized(TransportError):
    """The server refused the credentials; get a new token before trying again."""

    retryable = False


class Transport(Protocol):
    def push(self, body: dict) -> dict: ...

    def pull(self, cursor: str | None, limit: int) -> dict: ...


class HttpTransport:
    """The sync endpoints over HTTP with a bearer token (``requests``)."""

    def __init__(self, base_url: str, access_token: str, session: Any = None, *, timeout: float = 30.0):
        self.base_url = base_url.rstrip("/")
        self.access_token = access_token
        self.session = session
        self.timeout = timeout

    def push(self, body: dict) -> dict:
        return self._request("POST", "/api/sync/push", json=body)

    def pull(self, cursor: str | None, limit: int) -> dict:
        params: dict[str, Any] = {"limit": limit}
        if cursor is not None:
            params["cursor"] = cursor
        return self._request("GET", "/api/sync/pull", params=params)

    def _request(self, method: str, path: str, **kwargs: Any) -> dict:
        import requests  # lazily: the sync core stays import-light

        if self.session is None:
            self.session = requests.Session()
        headers = {"Authorization": f"Bearer {self.access_token}"}
        try:
            response = self.session.request(
                method, self.base_url + path, headers=headers, timeout=self.timeout, **kwargs
            )
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise Lost(f"{method} {path}: {exc}") from exc
        except requests.RequestException as exc:
            raise TransportError(f"{method} {path}: {exc}") from exc
        status = response.status_code
        if status == 401:
            raise Unauthorized(f"{method} {path}: 401", status=status)
        if status >= 400:
            # 429 and 5xx are passing troubles; any other 4xx will fail again.
            retry = status == 429 or status >= 500
            message = f"{method} {path}: {status} {response.text[:200]}"
            raise TransportError(message, status=status, retryable=retry)
        try:
            return response.json()
        except ValueError as exc:
            raise TransportError(f"{method} {path}: answer is not JSON", status=status) from exc


@dataclass(frozen=True)
class Rejection:
    """A mutation the server refused, with its error ``{"code", "message", ...}``."""

    mutation: Mutation
    error: dict


def _mutation_record(m: Mutation) -> dict:
    return {**mutation_to_dict(m), "device_id": m.device_id, "actor": m.actor}


def _mutation_from_record(raw: dict) -> Mutation:
    return Mutation(**{k: raw[k] for k in Mutation.__dataclass_fields__})


class SyncClient:
    """One device's side of sync: outbox, pulled records, clock and cursor."""

    def __init__(
        self,
        device_id: str,
        transport: Transport,
        *,
        clock: HybridLogicalClock | None = None,
        store: str | os.PathLike | None = None,
        actor: str = "",
        sleep: Callable[[float], None] = time.sleep,
        retries: int = 5,
        backoff_s: float = 0.5,
        max_backoff_s: float = 30.0,
        jitter: Callable[[], float] | None = None,
        push_batch: int = 100,
        pull_limit: int = 200,
        rebase_ahead_ms: int = 3_600_000,
    ) -> None:
        """``jitter`` returns a factor in [0, 1) that scales each backoff delay
        into [delay/2, delay) (pass ``random.random`` on real devices so that a
        district's phones do not retry in step). ``rebase_ahead_ms`` must stay
        above the server's ``max_ahead_ms`` (see ``sync.hlc``)."""
        self.device_id = validate_device_node(device_id)
        self.transport = transport
        self.actor = actor
        self.sleep = sleep
        self.retries = retries
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.jitter = jitter
        self.push_batch = push_batch
        self.pull_limit = pull_limit
        self.rebase_ahead_ms = rebase_ahead_ms
        self.store = os.fspath(store) if store is not None else None
        self.outbox: list[Mutation] = []
        # Answered by the server but maybe not yet seen in a pull: still shown by view().
        self.acked: list[Mutation] = []
        self.rejected: list[Rejection] = []
        self.conflicts: list[dict] = []
        self.records: dict[tuple[str, str], dict] = {}
        self.cursor: str | None = None
        # What the pushes of the current sync pulled, and whether the last left nothing waiting.
        self._pulled_with_push, self._up_to_date = 0, False
        saved_clock = self._load()
        saved_last = saved_clock.get("last")
        if clock is None:
            clock = HybridLogicalClock(
                self.device_id, last=saved_last, offset_ms=int(saved_clock.get("offset_ms", 0))
            )
        elif saved_last and (clock.last is None or clock.last < saved_last):
            clock.last = saved_last  # never stamp below what was stamped before the restart
        self.clock = clock

    # --- local changes --------------------------------------------------------

    def record(self, entity: str, entity_id: str, op: str, data: dict | None = None) -> Mutation:
        """Queue a change made on this device; raises MutationError if malformed."""
        local = self.records.get((entity, entity_id))
        raw = {
            "id": str(uuid.uuid4()),
            "entity": entity,
            "entity_id": entity_id,
            "op": op,
            "hlc": self.clock.send(),
            "base_version": local["version"] if local else None,
            "data": data or {},
        }
        mutation = parse_mutation(raw, device_id=self.device_id, actor=self.actor)
        self.outbox.append(mutation)
        self._save()
        return mutation

    def view(self) -> dict[tuple[str, str], dict]:
        """``{(entity, entity_id): data}``: pulled records with pending local edits on top."""
        states: dict[tuple[str, str], EntityState] = {}
        for key, rec in self.records.items():
            if entity_spec(key[0]) is None:
                # An entity this client does not know how to merge: shown as pulled.
                states[key] = EntityState(rec["data"], {}, rec["version"], rec["deleted"])
                continue
            states[key] = state_from_snapshot(
                key[0], rec["data"], version=rec["version"], deleted=rec["deleted"], device=self.device_id
            )
        for m in self.acked + self.outbox:
            key = (m.entity, m.entity_id)
            result = merge(states.get(key), m)
            if result.error is None:
                states[key] = result.state
        return {key: state.data for key, state in states.items() if not state.deleted}

    # --- talking to the server ------------------------------------------------

    def sync(self) -> dict:
        """Push the outbox, then pull everything new: ``{"results", "pulled"}``.

        Each push pulls in the same round trip; separate pulls follow only
        while the last push's pull says more is waiting (or the server did
        not pull with the push).
        """
        self._pulled_with_push, self._up_to_date = 0, False
        results = self.push()
        pulled = self._pulled_with_push + (0 if self._up_to_date else self.pull())
        return {"results": results, "pulled": pulled}

    def push(self) -> list[dict]:
        """Send the outbox in order, in batches, each pulling from the cursor; returns the server's results."""
        results: list[dict] = []
        while self.outbox:
            batch = self.outbox[: self.push_batch]
            body = {"device_id": self.device_id, "mutations": [mutation_to_dict(m) for m in batch],
                    "pull": {"cursor": self.cursor, "limit": self.pull_limit}}
            answer = self._call(lambda: self.transport.push(body))
            by_id = {r.get("id"): r for r in answer.get("results", []) if isinstance(r, dict)}
            done = set()
            for m in batch:
                result = by_id.get(m.id)
                status = result.get("status") if result else None
                if status in ANSWERED:
                    self.acked.append(m)
                    if status == "conflict":
                        self.conflicts.append(result)
                elif status == "rejected":
                    self.rejected.append(Rejection(m, result.get("error") or {}))
                else:
                    continue
                done.add(m.id)
                results.append(result)
            self.outbox = [m for m in self.outbox if m.id not in done]
            self._observe(answer)
            pulled = answer.get("pull")
            if isinstance(pulled, dict):
                # Taken after this batch committed: it holds the batch's changes too.
                self._pulled_with_push += len(pulled.get("changes") or [])
                self._up_to_date = not self._apply_page(pulled, len(self.acked))
            self._save()
            if not done:
                break  # the server answered none of them: keep them for the next sync
        return results

    def pull(self) -> int:
        """Pull every change since the cursor (page after page); returns how many."""
        acked_before = len(self.acked)
        count = 0
        while True:
            answer = self._call(lambda: self.transport.pull(self.cursor, self.pull_limit))
            count += len(answer.get("changes") or [])
            more = self._apply_page(answer, acked_before)
            self._save()
            if not more:
                return count

    def _apply_page(self, answer: dict, acked_before: int) -> bool:
        """Store one pulled page and its cursor; answers whether more is waiting."""
        for change in answer.get("changes") or []:
            self._apply_change(change)
        self.cursor = answer.get("cursor", self.cursor)
        more = bool(answer.get("more"))
        if not more:
            # A complete pull holds every change committed before it began,
            # so what was answered before it is in the records now.
            del self.acked[:acked_before]
        self._observe(answer)
        return more

    def _apply_change(self, change: dict) -> None:
        key = (change["entity"], change["entity_id"])
        local = self.records.get(key)
        if local is not None and local["version"] > change["version"]:
            return
        self.records[key] = {
            "version": change["version"],
            "deleted": bool(change.get("deleted")),
            "data": change.get("data") or {},
        }

    def _observe(self, answer: dict) -> None:
        server_hlc = answer.get("hlc")
        if not server_hlc:
            return
        try:
            parse_hlc(server_hlc, allow_server=True)
        except ValueError:
            return
        # Rebasing is safe only when nothing this clock stamped is still in flight.
        idle = not self.outbox and not self.acked
        self.clock.observe_server(server_hlc, rebase_ahead_ms=self.rebase_ahead_ms if idle else None)

    def _call(self, request: Callable[[], dict]) -> dict:
        attempt = 0
        while True:
            try:
                return request()
            except TransportError as exc:
                if not exc.retryable or attempt >= self.retries:
                    raise
                delay = min(self.max_backoff_s, self.backoff_s * 2**attempt)
                if self.jitter is not None:
                    delay *= 0.5 + self.jitter() / 2
                self.sleep(delay)
                attempt += 1

    # --- persistence -----------------------------------------------------------

    def _snapshot(self) -> dict:
        return {
            "format": STORE_FORMAT,
            "device_id": self.device_id,
            "clock": {"last": self.clock.last, "offset_ms": self.clock.offset_ms},
            "cursor": self.cursor,
            "outbox": [_mutation_record(m) for m in self.outbox],
            "acked": [_mutation_record(m) for m in self.acked],
            "rejected": [{"mutation": _mutation_record(r.mutation), "error": r.error} for r in self.rejected],
            "conflicts": self.conflicts,
            "records": [{"entity": e, "entity_id": i, **rec} for (e, i), rec in self.records.items()],
        }

    def _save(self) -> None:
        if self.store is None:
            return
        directory = os.path.dirname(os.path.abspath(self.store))
        fd, tmp = tempfile.mkstemp(prefix=".sync-", suffix=".tmp", dir=directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(self._snapshot(), f, ensure_ascii=False, separators=(",", ":"))
                f.flush()
                os.fsync(f.fileno())
            # Atomic on POSIX and Windows: a crash leaves the old file or the new one.
            os.replace(tmp, self.store)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    def _load(self) -> dict:
        if self.store is None or not os.path.exists(self.store):
            return {}
        with open(self.store, encoding="utf-8") as f:
            saved = json.load(f)
        if saved.get("format") != STORE_FORMAT:
            raise ValueError(f"{self.store}: unknown store format {saved.get('format')!r}")
        if saved.get("device_id") != self.device_id:
            raise ValueError(f"{self.store} belongs to device {saved.get('device_id')!r}")
        self.cursor = saved.get("cursor")
        self.outbox = [_mutation_from_record(r) for r in saved.get("outbox", [])]
        self.acked = [_mutation_from_record(r) for r in saved.get("acked", [])]
        self.rejected = [
            Rejection(_mutation_from_record(r["mutation"]), r.get("error") or {})
            for r in saved.get("rejected", [])
        ]
        self.conflicts = list(saved.get("conflicts", []))
        self.records = {
            (r["entity"], r["entity_id"]): {k: r[k] for k in ("version", "deleted", "data")}
            for r in saved.get("records", [])
        }
        return saved.get("clock") or {}
