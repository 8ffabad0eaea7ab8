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
            [str(self.venv / "bin" / "gunicorn"), "--workers", str(self.workers),
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
    return response.status, dict(response.getheaders()), orjson.loads(response.read() or b"{}")


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
        self.database_url = database_url
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
        self.database_url = database_url
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


def one_round(side, records: int, batch_size: int, first: int, pulls: int) -> tuple[float, list[float]]:
    """Push ``records`` new reports through ``side``, pull them back ``pulls`` times; records/s of each."""
    reports = new_reports(records, first)
    bodies = side.bodies(reports, batch_size, first)
    started = time.perf_counter()
    for body in bodies:
        side.push(body)
    push_rate = records / (time.perf_counter() - started)
    analyse(side.database_url)
    pull_rates = []
    for _ in range(pulls):
        started = time.perf_counter()
        pulled = side.pull()
        pull_rates.append(records / (time.perf_counter() - started))
        if pulled != records:
            raise SystemExit(f"{side.name} pulled {pulled} changes of the {records} pushed")
    side.pushed()
    return push_rate, pull_rates


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
    rates = {name: {"push": [], "pull": []} for name in ("Gridwalk", "Kinto")}
    venv = kinto_venv(Path(args.kinto_venv), args.kinto_version)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        wipe(args.database_url)
        wipe(args.kinto_database_url)
        env = server_env(args.database_url, folder / "media", GRIDWALK_LOGIN_LIMIT_PER_ADDRESS="1000 per minute")
        prepare_database(env)
        gridwalk = LiveServer(env, folder / "gridwalk.log", workers=args.workers)
        kinto = KintoServer(venv, args.kinto_database_url, args.batch_size, args.workers, folder)
        try:
            gridwalk.start()
            kinto.start()
            sides = (GridwalkSide(gridwalk, args.database_url), KintoSide(kinto, args.kinto_database_url))
            for r in range(args.rounds):
                for side in sides:
                    push, pulls = one_round(side, args.records, args.batch_size, r * args.records, args.pulls)
                    rates[side.name]["push"].append(push)
                    rates[side.name]["pull"].append(statistics.median(pulls))
                    print(f"round {r + 1} {side.name:8s} push {push:9,.0f} records/s   pull "
                          + " ".join(f"{p:,.0f}" for p in pulls) + " records/s", flush=True)
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
    if args.write:
        write(args, rows, push_ratio, pull_ratio)


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
    ]), after="sync-live-bench")


if __name__ == "__main__":
    main()
