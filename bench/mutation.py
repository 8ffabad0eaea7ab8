"""Mutation testing of the Python rules with mutmut: which mistakes would the tests miss?

``make mutation-python`` runs this. With no module named it mutates the Python files a change
touched (against ``--base``: ``origin/main`` when it exists, else the merge base with
``main``); ``--modules sync/hlc.py server/services/audit.py`` names them instead. Each
module is paired with its fast tests (SQLite only, no browser, no live server), so a run
fits two cores: mutmut runs those tests once to learn which test calls which function,
then runs, for each mutant, only the tests that reach the mutated function.

It prints a score per module (killed / tested) and every surviving mutant with its diff.
``mutants/`` (git-ignored) keeps the results; ``mutmut results`` and ``mutmut show NAME``
read them afterwards.

mutmut reads one fixed configuration from ``[tool.mutmut]`` in pyproject.toml; the files
to mutate and the tests to run differ per call, so this script sets those two fields on
that configuration before it starts mutmut in this same process. It must not import
``server`` or ``sync`` itself: mutmut puts its mutated copies first on the path, and a
module already imported from the working tree would shadow them.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SYNC_TESTS = ["tests/sync"]

# The fast tests that exercise each module (SQLite only: mutmut runs them once per mutant).
TESTS_BY_MODULE = {
    # The role matrix is walked through the API by test_rule_gaps.py (test_tickets.py walks it
    # again, much slower); the indexed columns are plain functions, tested as such.
    "server/services/rules.py": [
        "tests/api/test_rule_columns.py",
        "tests/api/test_role_check.py",
        "tests/api/test_rule_gaps.py",
        "tests/sync/test_spec_document.py",
    ],
    # The due sweep is the one caller of the system scope.
    "server/services/scope.py": [
        "tests/api/test_scoping.py",
        "tests/api/test_cross_grid_denials.py",
        "tests/api/test_desk_reads.py",
        "tests/api/test_due_sweep_job.py",
        "tests/api/test_scope_edges.py",
    ],
    "server/services/photos.py": [
        "tests/api/test_photos.py",
        "tests/api/test_photo_pixel_limit.py",
        "tests/api/test_photo_access.py",
        "tests/media/test_photo_renditions.py",
    ],
    # The server's side of the ticket workflow: deadlines, levels, departments, follow-ups.
    "server/services/hooks/tickets.py": [
        "tests/api/test_ticket_verification.py",
        "tests/api/test_overdue_times.py",
        "tests/api/test_rule_gaps.py",
        "tests/api/test_notifications_and_audit.py",
        "tests/api/test_ticket_reports.py",
    ],
    "server/services/audit.py": [
        "tests/api/test_notifications_and_audit.py",
        "tests/api/test_audit_trail.py",
    ],
}

# A server module without an entry above is tested by the API suite minus its slow parts.
FALLBACK_SERVER_TESTS = [
    "tests/api",
    "--ignore=tests/api/test_openapi_fuzz.py",
    "--ignore=tests/api/test_served_errors.py",
]

# The rules, all of which docs/BENCHMARKS.md scores: `--modules all` (`make mutation MODULES=all`).
RULE_MODULES = [
    "sync/hlc.py",
    "sync/merge.py",
    "sync/entities.py",
    "sync/geo.py",
    "sync/sla.py",
    "sync/mutation.py",
    "sync/clockpack.py",
    "sync/jsondata.py",
    "sync/textsim.py",
    "sync/dedupe.py",
    "sync/client.py",
    "server/services/rules.py",
    "server/services/scope.py",
    "server/services/photos.py",
    "server/services/audit.py",
    "server/services/hooks/tickets.py",
]


def tests_for(module: str) -> list[str]:
    """The pytest arguments that select the tests run against mutants of ``module``."""
    if module in TESTS_BY_MODULE:
        return TESTS_BY_MODULE[module]
    if module.startswith("sync/"):
        return SYNC_TESTS
    return FALLBACK_SERVER_TESTS


def default_base() -> str:
    """``origin/main`` when the clone has it, else the point where this branch left ``main``."""
    if _git("rev-parse", "--verify", "--quiet", "origin/main") is not None:
        return "origin/main"
    return _git("merge-base", "HEAD", "main") or "main"


def changed_modules(base: str) -> list[str]:
    """Python files of ``sync/`` and ``server/`` that differ from ``base`` (committed or not)."""
    listing = _git("diff", "--name-only", base, "--", "sync", "server") or ""
    return sorted(
        path
        for path in listing.splitlines()
        if path.endswith(".py")
        and not path.startswith("server/migrations/")
        and not path.endswith("__init__.py")
        and (ROOT / path).exists()
    )


def _git(*args: str) -> str | None:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else None


def selected_tests(modules: list[str]) -> list[str]:
    """The union of the modules' test arguments, paths first, each once."""
    args: list[str] = []
    for module in modules:
        for arg in tests_for(module):
            if arg not in args:
                args.append(arg)
    return sorted(args, key=lambda arg: arg.startswith("-"))


def forget_stale_results(modules: list[str]) -> None:
    """Make mutmut learn the tests afresh and test every mutant not killed last time.

    mutmut keeps a verdict until the mutated function changes, so a survivor
    would stay a survivor after a new test kills it; it adds new tests to what
    it learnt of which test reaches which function only in some cases; and a
    file it copied unmutated on an earlier run (when it was not asked for)
    looks up to date to it. The mutated files are made again (verdicts of
    unchanged functions are kept); learning costs one run of the selected tests.
    """
    from mutmut.mutation.data import SourceFileMutationData
    from mutmut.stats import status_by_exit_code

    (ROOT / "mutants" / "mutmut-stats.json").unlink(missing_ok=True)
    for module in modules:
        # A run that was not asked for this module left a plain copy in its place.
        (ROOT / "mutants" / module).unlink(missing_ok=True)
        meta = ROOT / "mutants" / (module + ".meta")
        if not meta.exists():
            continue
        data = SourceFileMutationData(path=Path(module))
        data.load()
        data.exit_code_by_key = {
            name: code if status_by_exit_code[code] in KILLED else None
            for name, code in data.exit_code_by_key.items()
        }
        data.save()


def run_mutmut(modules: list[str], max_children: int) -> None:
    """Mutate ``modules`` and run their tests against each mutant (results land in mutants/)."""
    from mutmut import configuration

    base = configuration.config()
    configuration._config = dataclasses.replace(
        base, only_mutate=list(modules), pytest_add_cli_args_test_selection=selected_tests(modules)
    )
    from mutmut.__main__ import cli

    try:
        cli.main(["run", "--max-children", str(max_children)], standalone_mode=False)
    except SystemExit as stop:
        if stop.code not in (None, 0):
            raise


# A mutant that makes a test fail, hang, crash its process or not even type-check was caught.
# mutmut reports SIGSEGV and SIGKILL as "segfault"; its SIGKILL is mostly its own CPU-time
# limit (a timeout by another name), but an out-of-memory kill caused by other load on the
# machine would count as caught too, so keep the machine free while a run's verdicts matter.
KILLED = ("killed", "timeout", "segfault", "caught by type check")


def report(modules: list[str], show_diffs: bool) -> float:
    """Print each module's score and its survivors; return the score of all (0-100).

    The score is killed / tested; mutants a stopped run never reached are
    counted apart ("not run"), so a partial run says how partial it is.
    """
    from mutmut.mutation.data import SourceFileMutationData
    from mutmut.mutation.diff_apply import get_diff_for_mutant
    from mutmut.stats import status_by_exit_code

    rows = []
    survivors: list[tuple[str, str, str]] = []
    for module in modules:
        data = SourceFileMutationData(path=Path(module))
        data.load()
        statuses = {name: status_by_exit_code[code] for name, code in data.exit_code_by_key.items()}
        killed = sum(status in KILLED for status in statuses.values())
        not_run = sum(status == "not checked" for status in statuses.values())
        rows.append((module, killed, len(statuses) - not_run, not_run))
        survivors += [(module, name, status) for name, status in sorted(statuses.items())
                      if status not in KILLED and status != "not checked"]

    if show_diffs:
        for module, name, status in survivors:
            print(f"\n# {name}: {status}")
            print(get_diff_for_mutant(name, path=module))

    print("\n| module | killed / tested | score | not run |")
    print("|---|---|---|---|")
    for module, killed, tested, not_run in rows:
        score = f"{100 * killed / tested:.1f}%" if tested else "-"
        print(f"| `{module}` | {killed} / {tested} | {score} | {not_run} |")
    killed_all, tested_all, not_run_all = (sum(row[i] for row in rows) for i in (1, 2, 3))
    if tested_all:
        print(f"| all | {killed_all} / {tested_all} | {100 * killed_all / tested_all:.1f}% | {not_run_all} |")
    print(f"\n{len(survivors)} mutants not killed (survived, no tests, suspicious); {not_run_all} not run.")
    return 100 * killed_all / tested_all if tested_all else 100.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--modules", nargs="*", default=None, help="files to mutate, e.g. sync/hlc.py; 'all' for every rule module")
    parser.add_argument("--base", default=None, help="compare with this ref to find changed files")
    parser.add_argument("--max-children", type=int, default=2, help="mutants tested at once")
    parser.add_argument("--report-only", action="store_true", help="print the last run's results")
    parser.add_argument("--no-diffs", action="store_true", help="scores only")
    parser.add_argument("--fail-under", type=float, default=0, help="exit 1 below this score (percent)")
    args = parser.parse_args(argv)

    os.chdir(ROOT)
    if args.modules == ["all"]:
        modules = RULE_MODULES
    elif args.modules:
        modules = args.modules
    else:
        base = args.base or default_base()
        modules = changed_modules(base)
        print(f"Python files changed since {base}: {', '.join(modules) or 'none'}")
        if not modules:
            return 0
    missing = [module for module in modules if not (ROOT / module).is_file()]
    if missing:
        parser.error(f"no such file: {', '.join(missing)}")

    # Mutants are tested on SQLite alone: every test that takes `app` would otherwise run twice.
    os.environ.pop("GRIDWALK_TEST_DATABASE_URL", None)
    # Hypothesis draws fewer examples, the same every run (tests/sync/conftest.py).
    os.environ.setdefault("GRIDWALK_HYPOTHESIS_PROFILE", "mutation")
    if not args.report_only:
        forget_stale_results(modules)
        run_mutmut(modules, args.max_children)
    score = report(modules, show_diffs=not args.no_diffs)
    return 1 if score < args.fail_under else 0


if __name__ == "__main__":
    sys.exit(main())
