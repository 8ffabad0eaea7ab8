"""How fast does OpenProblemIndex find "is this new report an open problem already?".

Builds an index of 100,000 open reports spread over a 10 km x 10 km district
around Hangzhou (nine categories, catalogue descriptions, photo hashes), then
times ``match`` for 1,000 new reports, a third of them new sightings of an
indexed problem. Target: 20 ms per match.

    .venv/bin/python bench/candidate_search.py [--items 100000] [--queries 1000] [--seed 11] [--write]

``--write`` replaces this benchmark's section of docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from dedupe_eval import CATALOGUE, TEAM, machine_description, write_section  # noqa: E402

from sync.dedupe import OpenProblemIndex, ReportFeatures  # noqa: E402

CENTRE = (30.30, 120.15)
HALF_SIDE_M = 5_000
NOW_MS = 1_767_225_600_000
DAY_MS = 86_400_000
TARGET_MS = 20.0


def _point(rng: random.Random) -> tuple[float, float]:
    north, east = rng.uniform(-HALF_SIDE_M, HALF_SIDE_M), rng.uniform(-HALF_SIDE_M, HALF_SIDE_M)
    return _shift(CENTRE, north, east)


def _shift(point: tuple[float, float], north: float, east: float) -> tuple[float, float]:
    lat, lon = point
    return lat + north / 111_195, lon + east / (111_195 * math.cos(math.radians(lat)))


def _open_report(rng: random.Random, k: int) -> ReportFeatures:
    category = rng.choice(list(CATALOGUE))
    subcategory = rng.choice(list(CATALOGUE[category]))
    lat, lon = _point(rng)
    return ReportFeatures(
        id=f"o{k:06d}",
        category=category,
        subcategory=subcategory,
        lat=lat,
        lon=lon,
        at_ms=NOW_MS - rng.randrange(30 * DAY_MS),
        description=rng.choice(CATALOGUE[category][subcategory][0]),
        reporter=rng.choice(TEAM),
        photo_hashes=(f"{rng.getrandbits(64):016x}",),
    )


def _new_report(rng: random.Random, k: int, existing: list[ReportFeatures]) -> tuple[ReportFeatures, str | None]:
    """A new report and the id of the open problem it is a new sighting of, if any."""
    seen = rng.choice(existing) if rng.random() < 1 / 3 else None
    if seen is not None:  # seen again: same problem, a few metres off, another photo
        lat, lon = _shift((seen.lat, seen.lon), rng.uniform(-30, 30), rng.uniform(-30, 30))
        photo = int(seen.photo_hashes[0], 16) ^ (1 << rng.randrange(64))
        new = ReportFeatures(
            id=f"n{k:05d}", category=seen.category, subcategory=None, lat=lat, lon=lon, at_ms=NOW_MS,
            description=rng.choice(CATALOGUE[seen.category][seen.subcategory][0]),
            reporter=rng.choice(TEAM), photo_hashes=(f"{photo:016x}",),
        )
    else:
        new = ReportFeatures(**{**_open_report(rng, k).__dict__, "id": f"n{k:05d}", "at_ms": NOW_MS})
    if rng.random() < 0.05:  # no GPS fix: matched by category, time and content alone
        new = ReportFeatures(**{**new.__dict__, "lat": None, "lon": None})
    return new, None if seen is None else seen.id


def _percentile(sorted_ms: list[float], q: float) -> float:
    return sorted_ms[min(len(sorted_ms) - 1, max(0, math.ceil(q * len(sorted_ms)) - 1))]


def run(items: int, queries: int, seed: int) -> dict:
    rng = random.Random(seed)
    existing = [_open_report(rng, k) for k in range(items)]
    started = time.perf_counter()
    index = OpenProblemIndex()
    for item in existing:
        index.add(item)
    build_s = time.perf_counter() - started
    new_reports = [_new_report(rng, k, existing) for k in range(queries)]
    timings, unlocated_timings, found, resightings, top1 = [], [], 0, 0, 0
    for new, seen_id in new_reports:
        started = time.perf_counter()
        matches = index.match(new, limit=5, now_ms=NOW_MS)
        elapsed_ms = (time.perf_counter() - started) * 1000
        (timings if new.located else unlocated_timings).append(elapsed_ms)
        found += bool(matches)
        if seen_id is not None:
            resightings += 1
            top1 += bool(matches) and matches[0][0] == seen_id
    everything = sorted(timings + unlocated_timings)
    unlocated_timings.sort()
    return {
        "items": items,
        "queries": queries,
        "build_s": build_s,
        "median_ms": statistics.median(everything),
        "p95_ms": _percentile(everything, 0.95),
        "max_ms": everything[-1],
        "unlocated": len(unlocated_timings),
        "unlocated_median_ms": statistics.median(unlocated_timings) if unlocated_timings else 0.0,
        "with_match": found,
        "resightings": resightings,
        "resightings_top1": top1,
    }


def format_results(result: dict, command: str) -> str:
    verdict = "meets" if result["p95_ms"] <= TARGET_MS else "misses"
    return "\n".join([
        "## Open-problem candidate search (`bench/candidate_search.py`)",
        "",
        f"Command: `{command}`  ",
        f"Machine: {machine_description()}",
        "",
        f"{result['items']:,} open reports over a 10 km x 10 km district; index built in "
        f"{result['build_s']:.1f} s. {result['queries']:,} new reports matched (`limit=5`), "
        f"{result['unlocated']} of them without coordinates; {result['with_match']} got at least "
        f"one suggestion; of the {result['resightings']} that were new sightings of an indexed "
        f"problem, {result['resightings_top1']} had it as the first suggestion.",
        "",
        "| per match | ms |",
        "|---|---|",
        f"| median | {result['median_ms']:.2f} |",
        f"| p95 | {result['p95_ms']:.2f} |",
        f"| max | {result['max_ms']:.2f} |",
        f"| median, reports without coordinates | {result['unlocated_median_ms']:.2f} |",
        "",
        f"Target {TARGET_MS:.0f} ms per match: the p95 {verdict} it.",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--write", action="store_true", help="update docs/BENCHMARKS.md")
    args = parser.parse_args(argv)
    result = run(args.items, args.queries, args.seed)
    command = (
        f".venv/bin/python bench/candidate_search.py --items {args.items} "
        f"--queries {args.queries} --seed {args.seed}"
    )
    text = format_results(result, command)
    print(text)
    if args.write:
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        write_section(os.path.join(root, "docs", "BENCHMARKS.md"), "candidate-search", text)
    return 0 if result["p95_ms"] <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
