"""Without Redis, one login limit holds for all the workers of a server started like ``make run``."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.served.conftest import log_in, start_like_make_run

# Each access-log line names the worker (process id) that answered.
ACCESS_FORMAT = "served-by=%(p)s %(m)s %(U)s %(s)s"
SERVED_BY = re.compile(r"served-by=<?(\d+)>? POST /api/auth/login (\d{3})")


def answered_by(server) -> dict[int, set[str]]:
    """Status code -> the workers that answered a login with it."""
    seen: dict[int, set[str]] = {}
    for pid, status in SERVED_BY.findall(server.log.read_text()):
        seen.setdefault(int(status), set()).add(pid)
    return seen


def in_parallel(calls, threads: int = 8) -> list[int]:
    with ThreadPoolExecutor(threads) as pool:
        return [response.status_code for response in pool.map(lambda call: call(), calls)]


# Patrollers of every grid: a user a round, until several workers have answered both ways.
USERS = [f"g{grid}-{member}" for member in range(2, 7) for grid in range(1, 9)]


@pytest.mark.parametrize("workers, limit", [(2, 3), (3, 5), (4, 10)])
def test_the_next_failed_login_after_the_limit_is_refused_by_every_worker(tmp_path, workers, limit):
    server = start_like_make_run(
        tmp_path, workers=workers, args=("--access-logfile", "-", "--access-logformat", ACCESS_FORMAT),
        GRIDWALK_LOGIN_LIMIT_PER_USER=f"{limit} per minute", GRIDWALK_LOGIN_LIMIT_PER_ADDRESS="10000 per minute",
    )
    try:
        for round_, user in enumerate(USERS):
            bad = [lambda user=user, i=i: log_in(server.base, user, f"phone-{user}-{i:04d}", password=f"wrong-{i}")
                   for i in range(limit)]
            assert in_parallel(bad) == [401] * limit
            more = [lambda user=user, i=i: log_in(server.base, user, f"phone-{user}-x{i:03d}", password=f"wrong-x{i}")
                    for i in range(3 * workers)]
            assert in_parallel(more) == [429] * (3 * workers)
            # Even the right password waits now, whichever worker answers.
            right = [lambda user=user, i=i: log_in(server.base, user, f"phone-{user}-ok{i:02d}") for i in range(workers)]
            assert in_parallel(right) == [429] * workers
            seen = answered_by(server)
            if round_ >= 2 and len(seen.get(401, ())) >= 2 and len(seen.get(429, ())) >= 2:
                break
        assert len(seen.get(401, ())) >= 2 and len(seen.get(429, ())) >= 2, seen
        assert log_in(server.base, "g1-1", "phone-g1-1-fine").status_code == 200  # another user is not locked out
    finally:
        server.stop()


def test_logins_from_one_address_are_limited_across_workers(tmp_path):
    server = start_like_make_run(tmp_path, workers=3, GRIDWALK_LOGIN_LIMIT_PER_ADDRESS="6 per minute")
    try:
        logins = [lambda n=n: log_in(server.base, f"g{n}-3", f"phone-g{n}-3-0001") for n in range(1, 7)]
        assert in_parallel(logins) == [200] * 6
        assert in_parallel([lambda: log_in(server.base, "g8-3", "phone-g8-3-0001")] * 6) == [429] * 6
    finally:
        server.stop()
