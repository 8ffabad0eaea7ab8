"""Gridwalk's sync beside Kinto's, on the same PostgreSQL: push and pull records/s, side by side.

Kinto (Kinto/kinto, a JSON storage service with sync by ``_since``) is the
nearest open-source peer of the sync API. This bench installs it in a
virtualenv of its own (never a dependency of the project), serves it and
Gridwalk with gunicorn (2 workers each) on one PostgreSQL server, each in a
database of its own, and sends both the same records: new reports with a
Chinese description, category, location, severity, device time and a photo.

- Gridwalk: ``POST /api/sync/push`` in batches, then ``GET /api/sync/pull``
  from the cursor taken before the push, in pages of 1000.
- Kinto: ``POST /v1/batch`` of PUTs in batches (``kinto.batch_max_requests``
  raised to the batch size; basic auth, which costs a request an HMAC and no
  query), then ``GET …/records?_since=…&_sort=last_modified&_limit=1000``
  following ``Next-Page``.

Rounds alternate (Gridwalk, Kinto, Gridwalk, Kinto …) so both meet the same
moods of a shared machine; it prints each round and the medians. Request
bodies are encoded before the clock starts; one connection sends them one
after another, as one phone does. After a push both databases' statistics are
refreshed (``ANALYZE``, as autovacuum does a minute later) and the round's
records are pulled back ``--pulls`` times; a round counts the median of those.

    .venv/bin/python bench/peer_kinto.py
    .venv/bin/python bench/peer_kinto.py --records 20000 --batch-size 500 --rounds 3 --write

Both PostgreSQL databases are wiped: give ones of their own, never the test suite's.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from base64 import b64encode
from importlib.metadata import version
from pathlib import Path
from urllib.parse import urlsplit

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.evening_peak import TICKS, server_cpu_seconds  # noqa: E402
from bench.report import machine_line, replace_section  # noqa: E402
from bench.sync_bench import PG_DEFAULT, hlc, report_data  # noqa: E402
from bench.sync_live_bench import wipe  # noqa: E402
from tests.live_server import LiveServer, free_port, prepare_database, server_env  # noqa: E402

KINTO_VERSION = "26.5.0"
DEFAULT_VENV = Path(tempfile.gettempdir()) / "gridwalk-kinto-venv"
PAGE = 1000
USERNAME = "g1-2"  # a patroller of grid 1, where the reports lie: they pull back what they pushed
COLLECTION = "/buckets/bench/collections/reports"
KINTO_AUTH = "Basic " + b64encode(b"bench:bench").decode()
# A Kinto batch of 500 PUTs can outlast gunicorn's 30 s worker timeout on a busy machine.
PATIENT = ("--timeout", "600")


def kinto_venv(path: Path, kinto_version: str) -> Path:
    """A virtualenv holding Kinto with its PostgreSQL backend and the project's gunicorn; made once."""
    marker = path / f".kinto-{kinto_version}"
    if not marker.exists():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(path)], check=True)
        subprocess.run([str(path / "bin" / "pip"), "install", "-q", f"kinto[postgresql]=={kinto_version}",
                        f"gunicorn=={version('gunicorn')}"], check=True)
        marker.touch()
    return path


def kinto_ini(database_url: str, batch_size: int) -> str:
    """Storage, permissions and cache in one PostgreSQL database; basic auth; batches of ``batch_size``."""
    return "\n".join([
        "[app:main]",
        "use = egg:kinto",
        *(f"kinto.{kind}_backend = kinto.core.{kind}.postgresql\nkinto.{kind}_url = {database_url}"
          for kind in ("storage", "permission", "cache")),
        "kinto.includes =",
        "multiauth.policies = basicauth",
        "kinto.userid_hmac_secret = gridwalk-bench",
        "kinto.bucket_create_principals = system.Authenticated",
        f"kinto.batch_max_requests = {batch_size}",
        "",
    ])


class KintoServer:
    """Kinto under gunicorn (``--paste`` of its ini) on a free port of 127.0.0.1, migrated first."""

    def __init__(self, venv: Path, database_url: str, batch_size: int, workers: int, folder: Path):
        self.venv, self.workers, self.folder = venv, workers, folder
        self.ini = folder / "kinto.ini"
        self.ini.write_text(kinto_ini(database_url, batch_size))
        self.port = free_port()
        self.process = None

    def start(self) -> None:
        subprocess.run([str(self.venv / "bin" / "kinto"), "migrate", "--ini", str(self.ini)], cwd=self.folder,
                       check=True, capture_output=True)
        log = open(self.folder / "kinto.log", "ab")
        self.process = subprocess.Popen(
            [str(self.venv / "bin" / "gunicorn"), "--workers", str(self.workers), *PATIENT,
             "--bind", f"127.0.0.1:{self.port}", "--paste", str(self.ini)],
            cwd=self.folder, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        for _ in range(150):
            try:
                status, _, _ = call(http.client.HTTPConnection("127.0.0.1", self.port, timeout=2), "GET", "/v1/", None,
                                    KINTO_AUTH)
                if status == 200:
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("Kinto did not start: " + (self.folder / "kinto.log").read_text()[-2000:])

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, 15)
            self.process.wait(timeout=10)



def call(conn, method: str, path: str, body: bytes | None, authorization: str) -> tuple[int, dict, dict]:
    """One request: status, headers, JSON body (read with orjson on both sides, so the client costs little)."""
    headers = {"Authorization": authorization}
    if body is not None:
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    raw = response.read()
    try:
        return response.status, dict(response.getheaders()), orjson.loads(raw or b"{}")
    except orjson.JSONDecodeError:
        raise SystemExit(f"{method} {path} answered {response.status}: {raw[:300]!r}") from None


def new_reports(count: int, first: int) -> list[tuple[str, dict]]:
    """``count`` new reports, as (id, values), numbered from ``first``."""
    return [(str(uuid.uuid4()), report_data(n)) for n in range(first, first + count)]


def gridwalk_bodies(device: str, reports: list, batch_size: int, first: int) -> list[bytes]:
    bodies = []
    for start in range(0, len(reports), batch_size):
        mutations = [{"id": str(uuid.uuid4()), "entity": "report", "entity_id": rid, "op": "create",
                      "hlc": hlc(device, first + start + i), "base_version": None, "data": data}
                     for i, (rid, data) in enumerate(reports[start:start + batch_size])]
        bodies.append(json.dumps({"device_id": device, "mutations": mutations}).encode())
    return bodies


def kinto_bodies(reports: list, batch_size: int) -> list[bytes]:
    return [json.dumps({"defaults": {"method": "PUT"},
                        "requests": [{"path": f"{COLLECTION}/records/{rid}", "body": {"data": data}}
                                     for rid, data in reports[start:start + batch_size]]}).encode()
            for start in range(0, len(reports), batch_size)]


class GridwalkSide:
    """A phone of grid 1 on the served app: logged in, its pull cursor at the present."""

    name = "Gridwalk"

    def __init__(self, server: LiveServer, database_url: str):
        self.conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=300)
        self.server, self.database_url = server, database_url
        self.device = f"peer-{uuid.uuid4().hex[:6]}"
        body = json.dumps({"username": USERNAME, "password": "gridwalk-demo", "device_id": self.device}).encode()
        self.conn.request("POST", "/api/auth/login", body=body, headers={"Content-Type": "application/json"})
        self.token = "Bearer " + json.loads(self.conn.getresponse().read())["access_token"]
        self.mark = self.pull_from("")[1]

    def bodies(self, reports: list, batch_size: int, first: int) -> list[bytes]:
        """The pushes of ``reports``; the cursor they will be pulled from is the present one."""
        return gridwalk_bodies(self.device, reports, batch_size, first)

    def push(self, body: bytes) -> None:
        status, _, answer = call(self.conn, "POST", "/api/sync/push", body, self.token)
        if status != 200 or any(r["status"] != "applied" for r in answer["results"]):
            raise SystemExit(f"Gridwalk push answered {status}: {str(answer)[:300]}")

    def pull(self) -> int:
        """Pull what was pushed since the mark, in pages of 1000; the number of changes."""
        return self.pull_from(self.mark)[0]

    def pull_from(self, cursor: str) -> tuple[int, str]:
        pulled = 0
        while True:
            status, _, answer = call(self.conn, "GET", f"/api/sync/pull?limit={PAGE}&cursor={cursor}", None,
                                     self.token)
            if status != 200:
                raise SystemExit(f"Gridwalk pull answered {status}: {str(answer)[:300]}")
            pulled += len(answer["changes"])
            cursor = answer["cursor"]
            if not answer["more"]:
                return pulled, cursor

    def pushed(self) -> None:
        """Move the mark past this round's changes (pulled by the next round's mark)."""
        self.mark = self.pull_from(self.mark)[1]


class KintoSide:
    """The bench's user on Kinto: one bucket and collection, read with ``_since`` its timestamp before a push."""

    name = "Kinto"

    def __init__(self, server: KintoServer, database_url: str):
        self.conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=300)
        self.server, self.database_url = server, database_url
        for path in ("/v1/buckets/bench", f"/v1{COLLECTION}"):
            status, _, answer = call(self.conn, "PUT", path, b"{}", KINTO_AUTH)
            if status not in (200, 201):
                raise SystemExit(f"Kinto PUT {path} answered {status}: {answer}")
        self.since = ""

    def bodies(self, reports: list, batch_size: int, first: int) -> list[bytes]:
        status, headers, _ = call(self.conn, "GET", f"/v1{COLLECTION}/records?_limit=1", None, KINTO_AUTH)
        self.since = headers["ETag"].strip('"')
        return kinto_bodies(reports, batch_size)

    def push(self, body: bytes) -> None:
        status, _, answer = call(self.conn, "POST", "/v1/batch", body, KINTO_AUTH)
        if status != 200 or any(r["status"] not in (200, 201) for r in answer["responses"]):
            raise SystemExit(f"Kinto batch answered {status}: {str(answer)[:300]}")

    def pushed(self) -> None:
        """Nothing to move: the next round reads the collection's timestamp before its push."""

    def pull(self) -> int:
        """Pull what was pushed since the timestamp, in pages of 1000, following ``Next-Page``."""
        pulled = 0
        path = f"/v1{COLLECTION}/records?_since={self.since}&_sort=last_modified&_limit={PAGE}"
        while path:
            status, headers, answer = call(self.conn, "GET", path, None, KINTO_AUTH)
            if status != 200:
                raise SystemExit(f"Kinto pull answered {status}: {str(answer)[:300]}")
            pulled += len(answer["data"])
            following = headers.get("Next-Page")
            path = urlsplit(following)._replace(scheme="", netloc="").geturl() if following else ""
        return pulled


def one_round(side, records: int, batch_size: int, first: int, pulls: int) -> tuple[float, list[float], tuple]:
    """Push ``records`` new reports through ``side``, pull them back ``pulls`` times.

    Answers records/s of the push and of each pull, and the CPU time of a
    pulled record (µs) in the side's gunicorn and in its PostgreSQL backends:
    on a shared machine the steadier measure of what a pull costs.
    """
    reports = new_reports(records, first)
    bodies = side.bodies(reports, batch_size, first)
    started = time.perf_counter()
    for body in bodies:
        side.push(body)
    push_rate = records / (time.perf_counter() - started)
    analyse(side.database_url)
    pull_rates = []
    server_cpu, database_cpu = server_cpu_seconds(side.server), backend_cpu_seconds(side.database_url)
    for _ in range(pulls):
        started = time.perf_counter()
        pulled = side.pull()
        pull_rates.append(records / (time.perf_counter() - started))
        if pulled != records:
            raise SystemExit(f"{side.name} pulled {pulled} changes of the {records} pushed")
    database_cpu = sum(seconds - database_cpu.get(pid, 0)
                       for pid, seconds in backend_cpu_seconds(side.database_url).items())
    cpu = ((server_cpu_seconds(side.server) - server_cpu) * 1e6 / (records * pulls),
           database_cpu * 1e6 / (records * pulls))
    side.pushed()
    return push_rate, pull_rates, cpu


def backend_cpu_seconds(url: str) -> dict[int, float]:
    """User + system CPU of each PostgreSQL backend serving ``url``'s database (a server on this machine)."""
    name = f" {urlsplit(url).path.lstrip('/')} "
    backends = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                command = f.read().decode(errors="replace")
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(") ", 1)[1].split()
        except (OSError, IndexError):
            continue
        if command.startswith("postgres: ") and name in command:
            backends[int(entry)] = (int(fields[11]) + int(fields[12])) / TICKS
    return backends


def analyse(url: str) -> None:
    """Refresh the planner's statistics, as autovacuum does within a minute of a bulk write."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE")


def postgres_version(url: str) -> str:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute("SHOW server_version").fetchone()[0].split()[0]


def run(args) -> dict[str, dict[str, list[float]]]:
    rates = {name: {"push": [], "pull": [], "cpu": []} for name in ("Gridwalk", "Kinto")}
    venv = kinto_venv(Path(args.kinto_venv), args.kinto_version)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        wipe(args.database_url)
        wipe(args.kinto_database_url)
        env = server_env(args.database_url, folder / "media", GRIDWALK_LOGIN_LIMIT_PER_ADDRESS="1000 per minute")
        prepare_database(env)
        gridwalk = LiveServer(env, folder / "gridwalk.log", workers=args.workers, args=PATIENT)
        kinto = KintoServer(venv, args.kinto_database_url, args.batch_size, args.workers, folder)
        try:
            gridwalk.start()
            kinto.start()
            sides = (GridwalkSide(gridwalk, args.database_url), KintoSide(kinto, args.kinto_database_url))
            for r in range(args.rounds):
                for side in sides:
                    push, pulls, cpu = one_round(side, args.records, args.batch_size, r * args.records, args.pulls)
                    rates[side.name]["push"].append(push)
                    rates[side.name]["pull"].append(statistics.median(pulls))
                    rates[side.name]["cpu"].append(cpu)
                    print(f"round {r + 1} {side.name:8s} push {push:9,.0f} records/s   pull "
                          + " ".join(f"{p:,.0f}" for p in pulls) + " records/s   CPU per pulled record: "
                          f"server {cpu[0]:.1f} µs, PostgreSQL {cpu[1]:.1f} µs", flush=True)
        finally:
            gridwalk.stop()
            kinto.stop()
    return rates


def table(rates: dict) -> list[str]:
    rows = ["| round | Gridwalk push | Kinto push | Gridwalk pull | Kinto pull |", "|---|---|---|---|---|"]
    g, k = rates["Gridwalk"], rates["Kinto"]
    for r, values in enumerate(zip(g["push"], k["push"], g["pull"], k["pull"]), 1):
        rows.append(f"| {r} | " + " | ".join(f"{v:,.0f}" for v in values) + " |")
    medians = [statistics.median(v) for v in (g["push"], k["push"], g["pull"], k["pull"])]
    rows.append("| **median** | " + " | ".join(f"**{v:,.0f}**" for v in medians) + " |")
    return rows


def cpu_line(rates: dict) -> str:
    """Median CPU per pulled record of each side, in its gunicorn and its PostgreSQL backends."""
    parts = []
    for name, side in rates.items():
        server, database = (statistics.median(c[i] for c in side["cpu"]) for i in (0, 1))
        parts.append(f"{name} {server:.1f} µs in gunicorn + {database:.1f} µs in PostgreSQL")
    return "CPU per pulled record (median of rounds): " + "; ".join(parts) + "."


def ratios(rates: dict) -> tuple[float, float]:
    g, k = rates["Gridwalk"], rates["Kinto"]
    return (statistics.median(g["push"]) / statistics.median(k["push"]),
            statistics.median(g["pull"]) / statistics.median(k["pull"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("GRIDWALK_BENCH_PG_URL", PG_DEFAULT),
                        help="a PostgreSQL database for Gridwalk, wiped")
    parser.add_argument("--kinto-database-url", help="a database for Kinto, wiped (default: Gridwalk's + _kinto)")
    parser.add_argument("--records", type=int, default=20000, help="records pushed and pulled per round and side")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pulls", type=int, default=3, help="times each round's records are pulled back")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers of each server")
    parser.add_argument("--kinto-version", default=KINTO_VERSION)
    parser.add_argument("--kinto-venv", default=str(DEFAULT_VENV), help="where Kinto's virtualenv is made")
    parser.add_argument("--write", action="store_true", help="update docs/BENCHMARKS.md")
    args = parser.parse_args()
    if not args.database_url.startswith("postgresql"):
        parser.error("--database-url must be a PostgreSQL database")
    args.kinto_database_url = args.kinto_database_url or args.database_url + "_kinto"
    rates = run(args)
    push_ratio, pull_ratio = ratios(rates)
    rows = table(rates)
    print("\n".join(rows))
    print(f"Gridwalk / Kinto: push {push_ratio:.1f}x, pull {pull_ratio:.2f}x")
    print(cpu_line(rates))
    if args.write:
        write(args, rows + ["", cpu_line(rates)], push_ratio, pull_ratio)


def write(args, rows: list[str], push_ratio: float, pull_ratio: float) -> None:
    command = ".venv/bin/python bench/peer_kinto.py " + " ".join(sys.argv[1:])
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    versions = (f"Gridwalk {commit}, Kinto {args.kinto_version}, gunicorn {version('gunicorn')}, "
                f"PostgreSQL {postgres_version(args.database_url)}, Python {platform.python_version()}")
    replace_section("peer-kinto", "\n".join([
        "## Sync beside Kinto",
        "",
        f"Command: `{command.strip()}`  ",
        f"Machine: {machine_line()}  ",
        f"Versions: {versions}",
        "",
        f"Both served by gunicorn with {args.workers} workers on 127.0.0.1, each in a database of its own on the "
        f"same PostgreSQL server; the same {args.records:,} new reports per round and side (Chinese description, "
        f"category, location, severity, device time, a photo), pushed in batches of {args.batch_size} over one "
        "connection (Gridwalk `POST /api/sync/push`; Kinto `POST /v1/batch` of PUTs, `batch_max_requests` "
        f"= {args.batch_size}, basic auth) and pulled back in pages of {PAGE} (Gridwalk `GET /api/sync/pull` "
        "from the cursor before the push; Kinto `GET …/records?_since=…&_sort=last_modified&_limit=1000` "
        f"following `Next-Page`; each round's records pulled back {args.pulls} times, the round counting the median, "
        "after an `ANALYZE` of the side's database as autovacuum would run). Rounds alternate, Gridwalk then Kinto; "
        "records/s:",
        "",
        *rows,
        "",
        f"Gridwalk / Kinto (medians): push **{push_ratio:.1f}×**, pull **{pull_ratio:.2f}×**.",
        "",
        FINDINGS,
    ]), after="sync-live-bench")


# What the profile of the pull found, and what stands between it and twice Kinto's rate.
FINDINGS = """\
Kinto applies each PUT of a batch as a request of its own (permission checks, parent
lookups, its own statements), so its batch endpoint takes tens of records a second where
a Gridwalk push takes a thousand or more.

Pull, before the work recorded here, served 11,824 records/s to Kinto's 21,449 (0.55×,
`--records 2000 --rounds 1`, a first version of this bench whose client read answers with
the standard library's JSON). Profiled in-process on PostgreSQL (cProfile, the Flask test
client, 20,000 reports of one grid, pages of 1000), a pulled record cost 24 µs of Python.
The largest part was the pending-photo check: a page's thousand photo hashes went to
PostgreSQL as an IN list of literals, which SQLAlchemy rendered one cast at a time and
psycopg parsed and sent as 70 kB of SQL, all for a query that runs in 0.2 ms. Then each
record's JSONB was decoded into dicts and encoded again. Now (`server/services/sync.py`
`pull_changes`, `server/services/photo_access.py` `with_pending`/`pending_among`):

- the hashes go as one comma-separated parameter that PostgreSQL splits
  (`string_to_array`); an array parameter was tried first and psycopg's quoting of each
  element still cost more than the query;
- the data is read as its stored JSON text, parsed once for its photo list, and sent as
  that text (`orjson.Fragment`) whenever the caller reads it as stored (all but a
  department reading a visit, whose personal fields are masked);
- the server's clock and the newest sequence number come in one query, not two.

In-process the pull went from 13,300–13,900 to 38,000–42,000 records/s on PostgreSQL
(Python CPU per record 24 → 11.6 µs); served, the CPU per pulled record went from 23 µs
in gunicorn and 10 µs in PostgreSQL to 14 and 4, the same as Kinto's (12–16 and 3–5).

What stands between Gridwalk and twice Kinto's pull: the two now do the same work per
record (read JSONB as text, write it out) at the same cost, so twice the rate means half
the work. Gridwalk's answer is larger (542 bytes a record against Kinto's 364: the
change's envelope and `pending_photos`, here on every report since none of the photos
was uploaded), and each request pays about 3 ms of CPU (9 ms on the clock on this loaded
machine) before the first change: the pool's pre-ping, BEGIN and ROLLBACK, and the
token check, 4 of a request's 7 round trips. The remaining levers are PostgreSQL
building the page's JSON itself (one string for Python to pass on, at the price of
writing the pending-photo and masking rules a second time, in SQL), taking photo hashes
from SQL instead of parsing the data, and the request overhead outside the pull.

On a freshly filled table without statistics, PostgreSQL read a grid's pull by a bitmap
scan of the grid's index and sorted every remaining change for each page (29 ms a page at
10,000 remaining, instead of 0.4 ms once analysed); autovacuum analyses such a table
within a minute, so the bench analyses both databases after each push.

The machine ran other work throughout (load average 7–11 on its 2 cores): consecutive
pulls of the same records vary by half, which is why rounds alternate and the CPU per
record is given beside the rates. In this run the first pull after each Gridwalk push was
the slow one (4,454, 12,114 and 12,601 records/s, then 16,000–24,400), which Kinto's first
pulls were not; not looked into yet (the first read of freshly written rows is one
suspect). The push ratio swings the same way: Kinto's batch took 49 to 148 records/s
from one round to the next."""


if __name__ == "__main__":
    main()
