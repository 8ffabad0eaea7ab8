"""The guide's systemd units: systemd accepts them, and they run the code's commands.

``systemd-analyze verify`` loads each unit as systemd would and reports, among others,
unknown sections and keys, values it cannot parse and ExecStart binaries that do not
exist; it reports most of these as warnings and still exits 0, so a unit passes only
when verify says nothing at all. The guide's install paths are replaced by this
checkout and its virtualenv first (``/opt/gridwalk`` is not on a test machine). What
verify does not prove: that a unit starts under a real systemd, as a real ``gridwalk``
user, with the env file's ownership; the commands themselves are run below instead.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess

import pytest

from tests.deploy import guide
from tests.deploy.conftest import require_tool
from tests.live_server import BIN, ROOT, WORKER_CLASS

UNITS = guide.units()


def on_this_machine(unit: str) -> str:
    return unit.replace("/opt/gridwalk/.venv/bin/", f"{BIN}/").replace("/opt/gridwalk", str(ROOT))


def verify(folder, *names: str) -> subprocess.CompletedProcess:
    analyze = require_tool("systemd-analyze", "systemd")
    return subprocess.run([analyze, "verify", *(str(folder / name) for name in names)], capture_output=True,
                          text=True, env={**os.environ, "SYSTEMD_LOG_COLOR": "0"}, timeout=60)


def test_the_guide_has_the_units_a_deployment_runs():
    assert set(UNITS) == {"gridwalk.service", "gridwalk-notify-due.service", "gridwalk-backup.service",
                          "gridwalk-backup.timer"}


@pytest.mark.parametrize("name", sorted(UNITS))
def test_systemd_accepts_the_unit_without_a_warning(tmp_path, name):
    for each, unit in UNITS.items():  # a timer's service beside it, as in /etc/systemd/system
        (tmp_path / each).write_text(on_this_machine(unit))
    checked = verify(tmp_path, name)
    assert (checked.returncode, checked.stdout + checked.stderr) == (0, "")


def test_verify_speaks_up_about_a_misspelt_key(tmp_path):
    """What the test above relies on: a unit systemd would not run as written is not silent."""
    (tmp_path / "typo.service").write_text(on_this_machine(UNITS["gridwalk.service"]).replace(
        "Restart=on-failure", "Restart=on-fail\nExecStartPost=/nonexistent/gunicorn\nRestartSecs=5"))
    said = verify(tmp_path, "typo.service")
    output = said.stdout + said.stderr
    assert "Restart" in output and "RestartSecs" in output and "/nonexistent/gunicorn" in output


def option(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def test_the_server_unit_runs_gunicorn_as_make_serve_does():
    argv = guide.exec_start(UNITS["gridwalk.service"])
    assert argv[0] == "/opt/gridwalk/.venv/bin/gunicorn" and argv[-1] == "wsgi:app"
    assert option(argv, "--worker-class") == WORKER_CLASS
    (nginx,) = guide.blocks("nginx")
    read_timeout = re.search(r"proxy_read_timeout (\d+)s;", nginx).group(1)
    assert option(argv, "--timeout") == read_timeout, "nginx must wait for gunicorn as long as gunicorn works"


def test_nginx_can_reach_the_server_unit_on_every_host():
    """The upstream's hosts are other machines: gunicorn must listen beyond loopback, on the port nginx uses."""
    address, port = option(guide.exec_start(UNITS["gridwalk.service"]), "--bind").rsplit(":", 1)
    (nginx,) = guide.blocks("nginx")
    upstream = re.search(r"upstream gridwalk \{(.*?)\}", nginx, re.S).group(1)
    hosts = re.findall(r"server ([\d.]+):(\d+);", upstream)
    assert hosts and {p for _, p in hosts} == {port}
    assert address == "0.0.0.0" or {h for h, _ in hosts} == {address}


def test_gunicorn_accepts_the_server_units_command_line(installed):
    argv = [os.path.join(BIN, "gunicorn"), *guide.exec_start(UNITS["gridwalk.service"])[1:]]
    checked = subprocess.run([argv[0], "--check-config", *argv[1:]], cwd=ROOT, capture_output=True, text=True,
                             env=installed.process_env(**installed.settings()), timeout=120)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_sweep_unit_sweeps_until_systemctl_stop(installed):
    """The unit's command with the env file's settings; SIGTERM is what ``systemctl stop`` sends."""
    argv = [installed.shell_command(word) for word in guide.exec_start(UNITS["gridwalk-notify-due.service"])]
    assert argv[1:] == ["--app", "wsgi", "notify-due", "--every", "60"]
    job = subprocess.Popen(argv, cwd=ROOT, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           env=installed.process_env(**installed.settings(), PYTHONUNBUFFERED="1"))
    try:
        assert job.stdout.readline().strip() == "notify-due: sweeping every 60 s"
        job.send_signal(signal.SIGTERM)
        output, _ = job.communicate(timeout=30)
    finally:
        if job.poll() is None:
            job.kill()
            job.wait()
    assert job.returncode == 0 and "notify-due: stopped" in output, output


def test_the_backup_unit_writes_a_backup_named_after_the_time(installed):
    """The unit's shell line after systemd's ``%%`` → ``%`` (the only specifier it uses), run by /bin/sh."""
    argv = guide.exec_start(UNITS["gridwalk-backup.service"])
    assert argv[:2] == ["/bin/sh", "-c"] and "%" in argv[2] and "%%" not in argv[2]
    before = set(installed.backups.iterdir()) if installed.backups.exists() else set()
    done = subprocess.run([argv[0], argv[1], installed.shell_command(argv[2])], cwd=ROOT, capture_output=True,
                          text=True, env=installed.process_env(**installed.settings()), timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    (made,) = set(installed.backups.iterdir()) - before
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{4}", made.name)
    assert (made / "manifest.json").exists()


def test_the_backup_timer_fires_every_night():
    timer = UNITS["gridwalk-backup.timer"]
    (when,) = re.findall(r"^OnCalendar=(.*)$", timer, re.M)
    analyze = require_tool("systemd-analyze", "systemd")
    normalized = subprocess.run([analyze, "calendar", when], capture_output=True, text=True, check=True).stdout
    assert "Normalized form: *-*-* 03:00:00" in normalized


def test_every_systemctl_line_names_units_the_guide_defines():
    """``systemctl restart`` (upgrades) and ``stop`` (restores) name the guide's own units."""
    named = re.findall(r"systemctl (?:start|stop|restart) ([\w -]+?)(?:`|$)", guide.DOC.read_text(), re.M)
    assert len(named) >= 2
    for names in named:
        for name in names.split():
            assert f"{name}.service" in UNITS, name
