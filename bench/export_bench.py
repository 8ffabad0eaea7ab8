"""Exporting 1,000,000 reports: time and peak memory, CSV, GeoJSON and XLSX, on PostgreSQL.

Uses the district of bench/stats_bench.py (generated with bulk SQL if the
database does not hold it yet). Each export runs in a process of its own,
through the real app in-process (Flask test client, the streamed response
read chunk by chunk as a client would), so its peak RSS is the export's
alone; RSS is also sampled as the rows go by. Memory is flat when the peak
of a 1,000,000-row export is that of a 100,000-row one.

    .venv/bin/python bench/export_bench.py --database-url postgresql://postgres@127.0.0.1:5432/gridwalk_bench
    .venv/bin/python bench/export_bench.py --database-url … --formats csv,geojson,xlsx --write
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.report import machine_line, replace_section  # noqa: E402
from bench.stats_bench import PG_DEFAULT, login, prepare  # noqa: E402

PAGE = 4096
NOTE = ("A workbook is a zip whose directory comes last, so XLSX is written to a temporary file (XlsxWriter's "
        "constant_memory mode: each row goes to disk as the next begins) and sent once complete: its first byte is "
        "its time, its memory as flat as the others'. CSV and GeoJSON are sent as the rows are read from a "
        "server-side cursor; CSV costs more than GeoJSON per row for its labels and local times.")


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE / 2**20


def one(url: str, fmt: str, days: int | None) -> dict:
    """Run one export in this process; answer its figures."""
    app, _ = prepare(url, 1_000_000, 100_000, fresh=False)
    client = app.test_client()
    headers = login(client, "admin")
    query = {}
    if days:
        today = datetime.now(ZoneInfo(app.config["GRIDWALK_TIMEZONE"])).date()
        query = {"date_from": (today - timedelta(days=days - 1)).isoformat(), "date_to": today.isoformat()}
    before = rss_mb()
    samples = []
    started = time.perf_counter()
    first_byte = None
    response = client.get(f"/api/exports/reports.{fmt}", query_string=query, headers=headers, buffered=False)
    assert response.status_code == 200, response.data[:300]
    size = 0
    lines = 0
    for n, chunk in enumerate(response.response):
        if first_byte is None:
            first_byte = time.perf_counter() - started
        size += len(chunk)
        if fmt == "csv":
            lines += chunk.count(b"\n")
        if n % 200 == 0:
            samples.append(round(rss_mb(), 1))
    response.close()
    elapsed = time.perf_counter() - started
    samples.append(round(rss_mb(), 1))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"format": fmt, "days": days, "seconds": round(elapsed, 1), "first_byte_s": round(first_byte or 0, 2),
            "mb": round(size / 2**20, 1), "rows": lines - 1 if fmt == "csv" else None, "rss_before_mb": round(before, 1),
            "rss_samples_mb": samples, "peak_rss_mb": round(peak, 1)}


def run(url: str, fmt: str, days: int | None) -> dict:
    """One export in a fresh process (so its peak RSS is its own)."""
    args = [sys.executable, os.path.abspath(__file__), "--database-url", url, "--one", fmt]
    if days:
        args += ["--days", str(days)]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def report_markdown(rows: list[dict]) -> str:
    lines = [
        "## Exporting a million reports (`bench/export_bench.py`)",
        "",
        f"PostgreSQL, {machine_line()}. The district of `bench/stats_bench.py` (1,000,000 reports in a year); "
        "`GET /api/exports/reports.<format>` as an admin, through the app in-process, the streamed answer read "
        "chunk by chunk; each export in a process of its own. \"last 36 days\" is about 100,000 reports, for "
        "comparing memory: flat means the million-row peak is the hundred-thousand-row one.",
        "",
        "| format | reports | time | first byte | size | RSS before | RSS while streaming (sampled) | peak RSS |",
        "|---|---|---:|---:|---:|---:|---|---:|",
    ]
    for r in rows:
        what = "all (1,000,000)" if not r["days"] else f"last {r['days']} days"
        if r["rows"]:
            what += f" — {r['rows']:,} rows"
        samples = r["rss_samples_mb"]
        spread = f"{min(samples):.0f}–{max(samples):.0f} MB ({len(samples)} samples)"
        lines.append(f"| {r['format']} | {what} | {r['seconds']:.0f} s | {r['first_byte_s']:.1f} s | {r['mb']:.0f} MB "
                     f"| {r['rss_before_mb']:.0f} MB | {spread} | {r['peak_rss_mb']:.0f} MB |")
    lines += ["", NOTE]
    lines += ["", "    .venv/bin/python bench/export_bench.py --database-url postgresql://postgres@127.0.0.1:5432/"
                  "gridwalk_bench --formats csv,geojson,xlsx"]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=PG_DEFAULT)
    parser.add_argument("--formats", default="csv,geojson,xlsx")
    parser.add_argument("--write", action="store_true", help="write the figures into docs/BENCHMARKS.md")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--days", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.database_url, args.one, args.days)))
        return
    prepare(args.database_url, 1_000_000, 100_000, fresh=False)
    rows = []
    for fmt in args.formats.split(","):
        for days in (36, None):
            row = run(args.database_url, fmt, days)
            rows.append(row)
            print(json.dumps(row))
    if args.write:
        replace_section("export-bench", report_markdown(rows))


if __name__ == "__main__":
    main()
