"""Many more chaos scenarios than `make test` runs, on SQLite and PostgreSQL.

Runs ``tests/chaos/test_convergence.py`` (hypothesis scenarios of skewed,
offline phones on a lossy, reordering, duplicating network against the real
app) with ``GRIDWALK_CHAOS_EXAMPLES`` scenarios per database, and optionally
the SIGKILL test of a live server, then prints the suite's summary lines.

    .venv/bin/python bench/chaos_run.py                          # 500 scenarios on SQLite
    .venv/bin/python bench/chaos_run.py --examples 2000 --seed 7  # other scenarios than the default ones
    .venv/bin/python bench/chaos_run.py --database-url postgresql://postgres@127.0.0.1:5432/gridwalk_chaos
    .venv/bin/python bench/chaos_run.py --crash --write           # also SIGKILL; into docs/BENCHMARKS.md

A failing scenario is shrunk by hypothesis and printed by pytest. The
PostgreSQL database is wiped: give one of its own (it is created if missing),
never the test suite's.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from bench.report import machine_line, replace_section  # noqa: E402
from bench.sync_bench import ensure_database  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=500, help="scenarios per database")
    parser.add_argument("--seed", type=int, help="draw other scenarios than the fixed default ones")
    parser.add_argument("--database-url", help="also run on this PostgreSQL database (wiped)")
    parser.add_argument("--crash", action="store_true", help="also SIGKILL a live server mid-push")
    parser.add_argument("--write", action="store_true", help="write the summary into docs/BENCHMARKS.md")
    args = parser.parse_args()

    env = {**os.environ, "GRIDWALK_CHAOS_EXAMPLES": str(args.examples)}
    env.pop("GRIDWALK_TEST_DATABASE_URL", None)
    if args.seed is not None:
        env["GRIDWALK_CHAOS_SEED"] = str(args.seed)
    if args.database_url:
        ensure_database(args.database_url)
        env["GRIDWALK_TEST_DATABASE_URL"] = args.database_url
    paths = ["tests/chaos"] if args.crash else ["tests/chaos/test_convergence.py"]
    started = time.monotonic()
    run = subprocess.run([sys.executable, "-m", "pytest", *paths, "-q", "-p", "no:cacheprovider"], cwd=ROOT,
                         env=env, capture_output=True, text=True)
    elapsed = time.monotonic() - started
    summary = [line for line in run.stdout.splitlines() if line.startswith(("chaos:", "crash:"))]
    if run.returncode != 0:
        sys.stdout.write(run.stdout[-20000:])
        sys.stderr.write(run.stderr[-5000:])
        return run.returncode
    for line in summary:
        print(line)
    print(f"all passed in {elapsed:.0f} s")
    if args.write:
        body = "\n".join([
            "## Chaos: convergence under faults",
            "",
            f"Command: `.venv/bin/python bench/chaos_run.py {' '.join(sys.argv[1:])}`  ",
            f"Machine: {machine_line()}",
            "",
            f"All passed in {elapsed:.0f} s: every scenario converged (see `tests/chaos/test_convergence.py`).",
            "",
            *(f"- {line}" for line in summary),
        ])
        replace_section("chaos", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
