"""The deploy guide's commands are the code's: every ``flask --app wsgi`` command and option
it shows exists, and its gunicorn lines run the worker class ``make serve`` runs."""

from __future__ import annotations

import re
import shlex
import pytest

from server import create_app
from tests.deploy.guide import DOC, ROOT
from tests.live_server import WORKER_CLASS

FLASK = re.compile(r"flask --app wsgi ([a-z-]+(?: [a-z-]+)?)((?: +--?[a-z-]+(?: [^\s'`]+)?)*)")


def _commands() -> list[tuple[str, list[str]]]:
    found = []
    for match in FLASK.finditer(DOC.read_text()):
        words = match.group(1).split()
        options = [w for w in shlex.split(match.group(2)) if w.startswith("--")]
        found.append((words[0] if words[0] != "db" else " ".join(words), options))
    return found


@pytest.fixture(scope="module")
def cli(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("deploy-doc")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'doc.db'}",
                      "GRIDWALK_MEDIA_URL": f"file://{tmp / 'media'}"})
    return app.test_cli_runner()


def test_the_guide_shows_the_jobs_a_deployment_runs():
    names = {name for name, _ in _commands()}
    assert {"db upgrade", "notify-due", "backup", "restore", "audit-verify"} <= names


@pytest.mark.parametrize("name, options", _commands())
def test_every_flask_command_of_the_guide_exists_with_its_options(cli, name, options):
    result = cli.invoke(args=[*name.split(), "--help"])
    assert result.exit_code == 0, result.output
    for option in options:
        assert option in result.output, (name, option)


def test_the_guide_runs_gunicorn_with_the_json_error_worker():
    text = DOC.read_text()
    lines = [line for line in text.splitlines() if "bin/gunicorn" in line]
    assert lines and all(f"--worker-class {WORKER_CLASS}" in line for line in lines)
    assert f"--worker-class {WORKER_CLASS}" in (ROOT / "Makefile").read_text()
