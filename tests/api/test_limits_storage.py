"""The database-backed limits storage behind login limits, on every database."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from server.extensions import limiter
from server.limits_storage import URI, DatabaseStorage


@pytest.fixture
def storage(app):
    with app.app_context():
        yield DatabaseStorage(URI)


def test_the_app_counts_login_limits_in_its_database_without_redis(app):
    assert app.config["RATELIMIT_STORAGE_URI"] == URI
    assert isinstance(limiter.storage, DatabaseStorage)


def test_counts_add_up_within_a_window_and_start_again_after_it(storage):
    assert storage.get("k") == 0
    assert [storage.incr("k", 0.6) for _ in range(3)] == [1, 2, 3]
    assert storage.incr("k", 0.6, amount=2) == 5
    assert storage.get("k") == 5
    assert time.time() < storage.get_expiry("k") <= time.time() + 0.6
    time.sleep(0.7)
    assert storage.get("k") == 0
    assert storage.incr("k", 60) == 1  # a new window
    assert storage.get_expiry("k") > time.time() + 59


def test_keys_are_counted_apart_and_cleared_one_by_one_or_all(storage):
    for key, times in (("a", 1), ("b", 2), ("c", 3)):
        for _ in range(times):
            storage.incr(key, 60)
    storage.clear("b")
    assert [storage.get(k) for k in "abc"] == [1, 0, 3]
    assert storage.reset() == 2
    assert [storage.get(k) for k in "abc"] == [0, 0, 0]
    assert storage.check()


@pytest.mark.parametrize("length", [255, 256, 10_000, 4_000_000])
def test_keys_of_any_length_are_counted(storage, length):
    """A username is read from the request body before any check: the key may be huge."""
    long_key = "LIMITER/login-user:" + "井" * length
    assert storage.incr(long_key, 60) == 1
    assert storage.incr(long_key, 60) == 2
    assert storage.get(long_key) == 2
    assert storage.get(long_key + "x") == 0


def test_expired_counters_are_pruned_by_the_next_count(app, storage):
    from sqlalchemy import func, select

    from server.extensions import db
    from server.models import RateLimitCounter

    for n in range(20):
        storage.incr(f"old-{n}", 0.2)
    time.sleep(0.3)
    storage.incr("new", 60)
    assert db.session.execute(select(func.count()).select_from(RateLimitCounter)).scalar() == 1


def test_counts_from_many_threads_at_once_are_each_counted_once(app):
    """Workers counting at once land in one row: every count is seen, none twice."""

    def count(_):
        with app.app_context():
            return DatabaseStorage(URI).incr("contested", 60)

    with ThreadPoolExecutor(8) as pool:
        seen = list(pool.map(count, range(80)))
    assert sorted(seen) == list(range(1, 81))
