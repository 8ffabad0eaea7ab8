"""Where a phone's evening spends the server's CPU: per request kind, and per part of a request.

Runs the evening of ``bench/evening_peak.py`` (refresh, pull, then pushes of
``--batch-size`` mutations each followed by a pull) for ``--phones`` phones of
the demo district, one after another, in the app itself (no HTTP: the
request path from Flask's dispatch down to the database driver). Each request
kind's CPU time is taken with ``time.process_time``; so is each named part
(token check, loading, writing, photo references …), by wrapping the functions
that do it. Parts nest: a push's ``write`` holds its ``records insert``.

    .venv/bin/python bench/peak_profile.py --database-url postgresql://postgres@127.0.0.1:5432/bench_profile
    .venv/bin/python bench/peak_profile.py --database-url sqlite:////tmp/profile.db

The database is wiped: give one of its own. ``--cprofile`` prints the functions
with the most CPU time of their own instead (cProfile with a CPU clock: it
slows Python code more than the driver, so read it for order, not for size).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import cProfile
import importlib
import io
import json
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.evening_peak import Phone, evening, pull
from bench.report import machine_line
from bench.sync_bench import PG_DEFAULT, make_app

# (label, module, attribute): the parts of a request whose CPU time is summed.
# Each is replaced by a timing wrapper where it is looked up at call time.
PARTS = [
    ("auth: JWT decode", "flask_jwt_extended.view_decorators", "decode_token"),
    ("auth: device and user check", "server.api.context", "check_token"),
    ("pull: changes", "server.services.sync", "pull_changes"),
    ("pull: pending photos", "server.services.sync", "pending_among"),
    ("push: apply (under the lock)", "server.services.sync", "_apply_locked"),
    ("push: parse one mutation", "server.services.sync", "parse_mutation"),
    ("push: value checks", "server.services.sync", "validate_values"),
    ("push: take the write lock", "server.services.sync", "lock_counter"),
    ("push: load records and applied ids", "server.services.sync", "_load"),
    ("push: merge one mutation", "server.services.sync", "_apply_one"),
    ("push: write", "server.services.sync", "_write"),
    ("push: write › records insert", "server.services.sync", "insert_many"),
    ("push: write › records update", "server.services.sync", "update_many"),
    ("push: write › photo references", "server.services.photos", "update_refs"),
    ("push: write › audit entries", "server.services.sync", "record_audits"),
]


class Clock:
    """CPU seconds and calls per label."""

    def __init__(self):
        self.seconds: dict[str, float] = collections.defaultdict(float)
        self.calls: collections.Counter = collections.Counter()

    @contextlib.contextmanager
    def timing(self, label: str):
        started = time.process_time()
        try:
            yield
        finally:
            self.seconds[label] += time.process_time() - started
            self.calls[label] += 1

    def wrap(self, label: str, module: str, name: str) -> None:
        owner = importlib.import_module(module)
        original = getattr(owner, name)

        def timed(*args, **kwargs):
            with self.timing(label):
                return original(*args, **kwargs)

        setattr(owner, name, timed)


def test_client_caller(client, clock: Clock):
    """``call(kind, method, path, token, body)`` on the in-process app, its CPU time kept by kind."""

    def call(kind: str, method: str, path: str, token: str, body: bytes | None = None) -> dict:
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        with clock.timing(kind):
            answer = client.open(path, method=method, data=body, headers=headers)
        if answer.status_code != 200:
            raise RuntimeError(f"{method} {path} answered {answer.status_code}: {answer.get_data(as_text=True)}")
        return answer.get_json()

    return call


def fixed_cost(call, phone: Phone, sizes: tuple[int, int] = (1, 50), pushes: int = 60) -> dict[int, float]:
    """CPU ms per push of each size (new reports of one phone): the fixed cost is where the line meets zero."""
    per_push = {}
    for size in sizes:
        probe = Phone(phone.username, pushes, size)
        probe.device, probe.access = phone.device, phone.access
        probe.prepare()
        started = time.process_time()
        for mutations in probe.batches_of:
            call("fixed", "POST", "/api/sync/push", phone.access, probe.body(mutations))
        per_push[size] = (time.process_time() - started) * 1000 / pushes
    return per_push


def log_in(client, phone: Phone) -> None:
    body = json.dumps({"username": phone.username, "password": "gridwalk-demo", "device_id": phone.device})
    answer = client.post("/api/auth/login", data=body, headers={"Content-Type": "application/json"}).get_json()
    phone.access, phone.refresh = answer["access_token"], answer["refresh_token"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=PG_DEFAULT, help="a database to wipe and use")
    parser.add_argument("--phones", type=int, default=48, help="at most 48: the demo district's members")
    parser.add_argument("--batches", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=10)
    parser.add_argument("--pull-with-push", action="store_true",
                        help="each push pulls in the same request, as the PWA's do")
    parser.add_argument("--cprofile", action="store_true")
    args = parser.parse_args()

    app = make_app(args.database_url)
    client = app.test_client()
    users = [f"g{g}-{m}" for g in range(1, 9) for m in range(1, 7)][:args.phones]
    clock = Clock()
    call = test_client_caller(client, clock)
    phones = [Phone(user, args.batches, args.batch_size) for user in users]
    for phone in phones:  # logged in and caught up before the clock starts, as phones are
        log_in(client, phone)
        pull(call, phone)
        phone.prepare()
    for label, module, name in PARTS:
        clock.wrap(label, module, name)
    clock.seconds.clear()
    clock.calls.clear()

    profiler = cProfile.Profile(time.process_time) if args.cprofile else None
    started = time.process_time()
    with profiler or contextlib.nullcontext():
        problems: list = []
        for phone in phones:
            evening(call, phone, problems, pull_with_push=args.pull_with_push)
    total = time.process_time() - started

    if problems:
        raise SystemExit(f"{len(problems)} mutations were not applied: {problems[:2]}")
    n = len(phones)
    print(f"machine: {machine_line()}; {app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}, in-process app")
    mode = "each pulling with it" if args.pull_with_push else "each followed by a pull"
    print(f"{n} phones, {args.batches} pushes of {args.batch_size} ({mode}): {total * 1000 / n:.1f} ms CPU per phone's evening "
          f"(the test client's own work included)")
    print(f"{'':38s} {'calls':>6s} {'ms/call':>8s} {'ms/phone':>9s}")
    for label in ("refresh", "pull", "push"):
        seconds, calls = clock.seconds[label], clock.calls[label]
        print(f"{label:38s} {calls:6d} {seconds * 1000 / calls:8.3f} {seconds * 1000 / n:9.2f}")
    for label, _, _ in PARTS:
        seconds, calls = clock.seconds[label], clock.calls[label]
        if calls:
            print(f"  {label:36s} {calls:6d} {seconds * 1000 / calls:8.3f} {seconds * 1000 / n:9.2f}")
    (n_small, ms_small), (n_large, ms_large) = fixed_cost(call, phones[0]).items()
    per_mutation = (ms_large - ms_small) / (n_large - n_small)
    print(f"a push of {n_small}: {ms_small:.2f} ms, of {n_large}: {ms_large:.2f} ms: "
          f"{ms_small - per_mutation * n_small:.2f} ms fixed + {per_mutation * 1000:.0f} µs per mutation")
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(30)
        print(out.getvalue())


if __name__ == "__main__":
    main()
