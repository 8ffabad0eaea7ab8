"""The district's evening peak: many phones each pushing small batches and pulling after each.

Seeds a district of N grids (``flask --app wsgi seed-demo --grids N``), serves it
with gunicorn (the JSON error worker ``make serve`` runs) on PostgreSQL, logs
every phone in before the clock starts (as phones are), then has each phone,
over a bounded number of connections at once: refresh its token, pull from
its cursor, and push ``--batches`` batches of ``--batch-size`` mutations (new
reports, and every fifth an edit of one of its own), pulling after each.

Prints wall time, mutations/s, p50/p95/p99 per request kind, and the server's
CPU time per phone's evening (user + system time of the gunicorn processes,
read from /proc, divided by phones): the load generator shares the machine, so
that is the figure that says what a host can carry. Checks nothing was lost:
every mutation answered ``applied`` and every created report stored once.

    .venv/bin/python bench/evening_peak.py --database-url postgresql://postgres@127.0.0.1:5432/bench_peak
    .venv/bin/python bench/evening_peak.py --grids 200 --phones 1000 --connections 32

The database is wiped: give one of its own, never the test suite's.
"""

from __future__ import annotations

import argparse
import collections
import http.client
import json
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.report import machine_line
from bench.sync_bench import PG_DEFAULT, hlc, report_data
from bench.sync_live_bench import wipe
from tests.live_server import BIN, LiveServer, server_env

TICKS = os.sysconf("SC_CLK_TCK")


class Phone:
    """One device's evening: its tokens, cursor and prepared pushes."""

    def __init__(self, username: str, batches: int, batch_size: int):
        self.username = username
        self.device = f"peak-{username}-{uuid.uuid4().hex[:6]}"
        self.batches, self.batch_size = batches, batch_size
        self.access = self.refresh = self.cursor = ""
        self.created: list[str] = []
        self.batches_of: list[list[dict]] = []

    def prepare(self) -> None:
        n = 0
        for _ in range(self.batches):
            mutations = []
            for _ in range(self.batch_size):
                n += 1
                if self.created and n % 5 == 0:
                    mutations.append({"id": str(uuid.uuid4()), "entity": "report", "op": "update",
                                      "entity_id": self.created[n % len(self.created)], "hlc": hlc(self.device, n),
                                      "base_version": None, "data": {"description": f"更新 {n}", "severity": 1 + n % 3}})
                else:
                    self.created.append(str(uuid.uuid4()))
                    mutations.append({"id": str(uuid.uuid4()), "entity": "report", "op": "create",
                                      "entity_id": self.created[-1], "hlc": hlc(self.device, n),
                                      "base_version": None, "data": report_data(n)})
            self.batches_of.append(mutations)

    def body(self, mutations: list[dict], *, pull: bool = False) -> bytes:
        """A push of ``mutations``; with ``pull``, one that also pulls from the phone's cursor."""
        body: dict = {"device_id": self.device, "mutations": mutations}
        if pull:
            body["pull"] = {"cursor": self.cursor or None, "limit": 500}
        return json.dumps(body).encode()


def request(conn, method: str, path: str, body: bytes | None, token: str) -> tuple[int, dict]:
    headers = {"Authorization": f"Bearer {token}"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    return response.status, json.loads(response.read() or b"{}")


def timed_caller(conn, timings: dict):
    """``call(kind, method, path, token, body)`` over ``conn``: the answer's body, its time kept by kind."""

    def call(kind: str, method: str, path: str, token: str, body: bytes | None = None) -> dict:
        started = time.perf_counter()
        status, answer = request(conn, method, path, body, token)
        timings[kind].append(time.perf_counter() - started)
        if status != 200:
            raise RuntimeError(f"{method} {path} answered {status}: {answer}")
        return answer

    return call


def pull(call, phone: Phone) -> None:
    """Pull from the phone's cursor until nothing more is waiting."""
    while True:
        body = call("pull", "GET", f"/api/sync/pull?limit=500&cursor={phone.cursor}", phone.access)
        phone.cursor = body["cursor"]
        if not body["more"]:
            return


def evening(call, phone: Phone, problems: list, *, pull_with_push: bool = False) -> None:
    """Refresh the token, pull, then push each prepared batch and pull after it.

    With ``pull_with_push`` each push pulls in the same request, as the PWA's
    pushes do; a separate pull follows only while more is waiting.
    """
    phone.access = call("refresh", "POST", "/api/auth/refresh", phone.refresh, b"{}")["access_token"]
    pull(call, phone)
    for mutations in phone.batches_of:
        body = call("push", "POST", "/api/sync/push", phone.access, phone.body(mutations, pull=pull_with_push))
        problems.extend(r for r in body["results"] if r["status"] != "applied")
        if pull_with_push:
            phone.cursor = body["pull"]["cursor"]
            if not body["pull"]["more"]:
                continue
        pull(call, phone)


def server_cpu_seconds(server: LiveServer) -> float:
    """User + system CPU of gunicorn's master and live workers (the process group)."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(") ", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == server.process.pid:  # pgrp: gunicorn runs in a session of its own
            total += int(fields[11]) + int(fields[12])
    return total / TICKS


def over_connections(server: LiveServer, phones: list[Phone], connections: int, visit) -> list[threading.Thread]:
    """Threads (not started), one per connection, taking phones from one queue in turn.

    ``visit(conn, phone)`` does a phone's work over the thread's connection and
    answers the connection to go on with (a new one after a failure).
    """
    work: queue.Queue = queue.Queue()
    for phone in phones:
        work.put(phone)

    def connection() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=300)
        while True:
            try:
                phone = work.get_nowait()
            except queue.Empty:
                return
            conn = visit(conn, phone)

    return [threading.Thread(target=connection) for _ in range(connections)]


def run_all(threads: list[threading.Thread]) -> None:
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def log_in_all(server: LiveServer, phones: list[Phone], connections: int) -> None:
    def log_in(conn, phone: Phone):
        body = json.dumps({"username": phone.username, "password": "gridwalk-demo", "device_id": phone.device})
        conn.request("POST", "/api/auth/login", body=body, headers={"Content-Type": "application/json"})
        answer = json.loads(conn.getresponse().read())
        phone.access, phone.refresh = answer["access_token"], answer["refresh_token"]
        phone.cursor = ""  # a phone that synced before tonight: it is at the present when the clock starts
        pull(timed_caller(conn, collections.defaultdict(list)), phone)
        return conn

    run_all(over_connections(server, phones, connections, log_in))


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000 if len(values) > 1 else values[0] * 1000


def run(args) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        wipe(args.database_url)
        env = server_env(args.database_url, Path(tmp) / "media", GRIDWALK_LOGIN_LIMIT_PER_ADDRESS="100000 per minute",
                         GRIDWALK_LOGIN_LIMIT_PER_USER="100000 per minute")
        for command in (["db", "upgrade"], ["seed-demo", "--grids", str(args.grids)]):
            subprocess.run([str(BIN / "flask"), "--app", "wsgi", *command], cwd=ROOT, env=env, check=True,
                           capture_output=True)
        users = [f"g{g}-{m}" for m in range(1, 7) for g in range(1, args.grids + 1)]
        if args.phones > len(users):
            raise SystemExit(f"{args.grids} grids have {len(users)} users; ask for fewer phones or more grids")
        phones = [Phone(users[i], args.batches, args.batch_size) for i in range(args.phones)]
        server = LiveServer(env, Path(tmp) / "server.log", workers=args.workers)
        server.start()
        try:
            log_in_all(server, phones, args.connections)
            for phone in phones:
                phone.prepare()
            timings: dict[str, list[float]] = {"refresh": [], "pull": [], "push": []}
            problems: list = []
            errors: list = []
            def one_evening(conn, phone: Phone):
                try:
                    evening(timed_caller(conn, timings), phone, problems, pull_with_push=args.pull_with_push)
                    return conn
                except Exception as exc:  # noqa: BLE001 — counted and reported below
                    errors.append(repr(exc))
                    return http.client.HTTPConnection("127.0.0.1", server.port, timeout=300)

            threads = over_connections(server, phones, args.connections, one_evening)
            cpu_before = server_cpu_seconds(server)
            started = time.perf_counter()
            run_all(threads)
            wall = time.perf_counter() - started
            cpu = server_cpu_seconds(server) - cpu_before
        finally:
            server.stop()
        stored = count_reports(args.database_url)
    mutations = args.phones * args.batches * args.batch_size
    created = sum(len(p.created) for p in phones)
    print(f"machine: {machine_line()}; gunicorn {args.workers} workers on PostgreSQL; {args.grids} grids, "
          f"{args.phones} phones, {args.connections} connections, {args.batches} pushes of {args.batch_size}"
          f"{', each pulling with it' if args.pull_with_push else ', each followed by a pull'}")
    print(f"wall {wall:.1f} s, {mutations / wall:.0f} mutations/s, server CPU {cpu:.1f} s = "
          f"{cpu * 1000 / args.phones:.1f} ms per phone's evening")
    for kind, values in timings.items():
        print(f"  {kind:8s} n={len(values):6d}  p50 {percentile(values, 50):6.1f} ms  "
              f"p95 {percentile(values, 95):6.1f} ms  p99 {percentile(values, 99):6.1f} ms")
    print(f"answers not applied: {len(problems)}; errors: {len(errors)} {errors[:2]}; "
          f"reports stored {stored} of {created} created")
    if problems or errors or stored != created:
        raise SystemExit("something was lost or refused")


def count_reports(url: str) -> int:
    from sqlalchemy import create_engine, text

    from server.config import normalise_database_url

    engine = create_engine(normalise_database_url(url))
    with engine.connect() as conn:
        n = conn.execute(text("SELECT count(*) FROM records WHERE entity = 'report'")).scalar()
    engine.dispose()
    return n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("GRIDWALK_BENCH_PG_URL", PG_DEFAULT),
                        help="a PostgreSQL database to wipe and use")
    parser.add_argument("--grids", type=int, default=200)
    parser.add_argument("--phones", type=int, default=1000)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--batches", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--pull-with-push", action="store_true",
                        help="each push pulls in the same request, as the PWA's do")
    run(parser.parse_args())


if __name__ == "__main__":
    main()
