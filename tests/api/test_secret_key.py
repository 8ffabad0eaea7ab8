"""The signing key: configured, or made once per instance; never a constant."""

from __future__ import annotations

import multiprocessing
import os
import stat
import threading
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.config import ConfigError, load_config
from server.secret_key import MIN_LENGTH, PUBLISHED_KEYS, SECRET_FILE, SecretKeyError, instance_secret, signing_key

OLD_DEFAULT = "gridwalk-development-secret-change-me-before-production"


@pytest.fixture
def no_configured_key(monkeypatch):
    monkeypatch.delenv("GRIDWALK_SECRET_KEY", raising=False)
    monkeypatch.setenv("GRIDWALK_ENV", "development")


def test_without_a_configured_key_each_instance_makes_its_own_random_key(no_configured_key, tmp_path):
    keys = {load_config(str(tmp_path / f"instance-{n}"))["JWT_SECRET_KEY"] for n in range(5)}
    assert len(keys) == 5
    assert all(len(key) >= MIN_LENGTH for key in keys)
    assert not keys & PUBLISHED_KEYS


def test_the_instance_key_is_kept_and_read_again_by_the_next_start(no_configured_key, tmp_path):
    first = load_config(str(tmp_path))
    again = load_config(str(tmp_path))
    assert first["JWT_SECRET_KEY"] == again["JWT_SECRET_KEY"] == first["SECRET_KEY"]
    assert (tmp_path / SECRET_FILE).read_text().strip() == first["JWT_SECRET_KEY"]


def test_the_instance_key_file_is_readable_by_its_owner_only(no_configured_key, tmp_path):
    load_config(str(tmp_path))
    assert stat.S_IMODE(os.stat(tmp_path / SECRET_FILE).st_mode) == 0o600
    assert os.listdir(tmp_path) == [SECRET_FILE]  # no temporary file left behind


def test_an_instance_key_file_opened_to_others_is_closed_again(no_configured_key, tmp_path):
    key = load_config(str(tmp_path))["JWT_SECRET_KEY"]
    os.chmod(tmp_path / SECRET_FILE, 0o644)
    assert load_config(str(tmp_path))["JWT_SECRET_KEY"] == key
    assert stat.S_IMODE(os.stat(tmp_path / SECRET_FILE).st_mode) == 0o600


@pytest.mark.parametrize("content", ["", "\n", "short", "x" * (MIN_LENGTH - 1)])
def test_an_instance_key_file_without_a_usable_key_stops_the_start(no_configured_key, tmp_path, content):
    (tmp_path / SECRET_FILE).write_text(content)
    an_hour_ago = time.time() - 3600
    os.utime(tmp_path / SECRET_FILE, (an_hour_ago, an_hour_ago))
    with pytest.raises(ConfigError, match="no usable key"):
        load_config(str(tmp_path))


def test_a_key_file_still_being_written_is_waited_for(no_configured_key, tmp_path):
    """Where there are no hard links the winner creates the file, then writes it."""
    path = tmp_path / SECRET_FILE
    path.write_text("")
    writer = threading.Timer(0.3, lambda: path.write_text("w" * MIN_LENGTH + "\n"))
    writer.start()
    try:
        assert load_config(str(tmp_path))["JWT_SECRET_KEY"] == "w" * MIN_LENGTH
    finally:
        writer.join()


def _start_worker(args):
    path, barrier = args
    barrier.wait()
    return instance_secret(path)


def _race(path: str, workers: int) -> list[str]:
    with multiprocessing.Manager() as manager:
        barrier = manager.Barrier(workers)
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            return pool.map(_start_worker, [(path, barrier)] * workers)


@pytest.mark.parametrize("workers", [2, 4, 8])
def test_workers_starting_at_the_same_moment_agree_on_one_key(tmp_path, workers):
    for attempt in range(3):
        path = str(tmp_path / f"attempt-{attempt}")
        keys = _race(path, workers)
        assert len(set(keys)) == 1, keys
        assert open(os.path.join(path, SECRET_FILE)).read().strip() == keys[0]
        assert os.listdir(path) == [SECRET_FILE]


def test_without_hard_links_workers_still_agree_on_one_key(tmp_path, monkeypatch):
    """Some file systems have no hard links: the key file is then created exclusively and waited for."""

    def no_links(source, target):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    for attempt in range(3):
        path = str(tmp_path / f"attempt-{attempt}")
        keys = _race(path, 6)
        assert len(set(keys)) == 1, keys
        assert stat.S_IMODE(os.stat(os.path.join(path, SECRET_FILE)).st_mode) == 0o600
        assert os.listdir(path) == [SECRET_FILE]


def test_an_instance_folder_that_cannot_be_made_stops_the_start_with_a_clear_message(no_configured_key, tmp_path):
    (tmp_path / "a-file").write_text("not a folder")
    with pytest.raises(ConfigError, match="GRIDWALK_SECRET_KEY"):
        load_config(str(tmp_path / "a-file" / "instance"))


def test_production_without_a_configured_key_refuses_to_start(monkeypatch, tmp_path):
    monkeypatch.setenv("GRIDWALK_ENV", "production")
    monkeypatch.delenv("GRIDWALK_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="GRIDWALK_SECRET_KEY"):
        load_config(str(tmp_path))
    assert not (tmp_path / SECRET_FILE).exists()


@pytest.mark.parametrize("env", ["development", "production"])
def test_the_published_development_key_is_refused_everywhere(monkeypatch, tmp_path, env):
    monkeypatch.setenv("GRIDWALK_ENV", env)
    monkeypatch.setenv("GRIDWALK_SECRET_KEY", OLD_DEFAULT)
    with pytest.raises(ConfigError, match="published"):
        load_config(str(tmp_path))


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(["development", "production"]), st.text(min_size=1, max_size=MIN_LENGTH - 1))
def test_a_configured_key_shorter_than_the_minimum_is_refused(env, key):
    with pytest.raises(SecretKeyError, match="at least"):
        signing_key(env, key, "/nonexistent-instance")


def test_a_configured_key_signs_as_given_and_makes_no_instance_key(monkeypatch, tmp_path):
    key = "k" * MIN_LENGTH + "-configured"
    monkeypatch.setenv("GRIDWALK_ENV", "production")
    monkeypatch.setenv("GRIDWALK_SECRET_KEY", key)
    config = load_config(str(tmp_path))
    assert config["JWT_SECRET_KEY"] == config["SECRET_KEY"] == key
    assert not (tmp_path / SECRET_FILE).exists()
