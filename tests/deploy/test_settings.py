"""The settings the guide names are the app's, and its env file is all production needs.

Which settings the app reads is observed, not listed: the app is built with an
environment that records every ``GRIDWALK_*`` name looked up in it.
"""

from __future__ import annotations

import os
import re

import pytest

from server import create_app
from server.config import ConfigError
from tests.deploy import guide


class RecordingEnviron(dict):
    """``os.environ`` that remembers the names it was asked for."""

    def __init__(self, values: dict):
        super().__init__(values)
        self.asked: set[str] = set()

    def get(self, name, default=None):
        self.asked.add(name)
        return super().get(name, default)

    def __getitem__(self, name):
        self.asked.add(name)
        return super().__getitem__(name)

    def __contains__(self, name):
        self.asked.add(name)
        return super().__contains__(name)


def build(monkeypatch, settings: dict) -> tuple:
    """The app made from ``settings`` alone, and the names it looked up on the way."""
    environ = RecordingEnviron({"PATH": os.environ.get("PATH", ""), **settings})
    monkeypatch.setattr(os, "environ", environ)
    app = create_app()
    return app, {name for name in environ.asked if name.startswith("GRIDWALK_")}


def test_every_setting_the_guide_names_is_read_by_the_app(monkeypatch, host):
    named = set(re.findall(r"\bGRIDWALK_[A-Z0-9_]+", guide.DOC.read_text()))
    _, read = build(monkeypatch, host.settings())
    assert named and named <= read, f"the guide names settings the app never reads: {sorted(named - read)}"


def test_the_env_file_alone_makes_a_production_app_on_the_shared_stores(monkeypatch, host):
    """Nothing production requires is missing from the guide: the app starts from its env file alone."""
    app, _ = build(monkeypatch, host.settings())
    config = app.config
    assert config["GRIDWALK_ENV"] == "production"
    assert config["SECRET_KEY"] == host.settings()["GRIDWALK_SECRET_KEY"]
    assert config["GRIDWALK_MEDIA_URL"].startswith("s3://")
    assert config["GRIDWALK_TRUSTED_PROXIES"] == 1
    assert app.instance_path == host.settings()["GRIDWALK_INSTANCE_PATH"]


def test_the_guide_names_every_store_a_host_would_otherwise_keep_to_itself():
    """Without these, a host keeps its database, photos or login counts under its instance folder."""
    in_file = set(guide.env_lines(guide.env_file()))
    assert {"GRIDWALK_DATABASE_URL", "GRIDWALK_MEDIA_URL", "GRIDWALK_REDIS_URL", "GRIDWALK_SECRET_KEY"} <= in_file


@pytest.mark.parametrize("name", ["GRIDWALK_SECRET_KEY"])
def test_production_refuses_to_start_without_what_the_env_file_gives_it(monkeypatch, host, name):
    without = {key: value for key, value in host.settings().items() if key != name}
    with pytest.raises(ConfigError, match=name):
        build(monkeypatch, without)
