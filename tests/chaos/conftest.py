"""Chaos tests: how many scenarios ran, reported at the end of the session."""

from __future__ import annotations

import os

SCENARIOS: dict[str, int] = {}


def examples() -> int:
    """Scenarios per backend: a bounded number in `make test`, more with GRIDWALK_CHAOS_EXAMPLES."""
    return int(os.environ.get("GRIDWALK_CHAOS_EXAMPLES", "12"))


def pytest_terminal_summary(terminalreporter):
    for name, count in sorted(SCENARIOS.items()):
        terminalreporter.write_line(f"chaos: {count} scenarios converged on {name}")
