"""The guide's env file and the shell commands that read it, run as the guide writes them.

The env file is read twice on a host: by systemd (``EnvironmentFile=``) and by a shell
(``set -a; . /etc/gridwalk/env``) in the install and upgrade steps and the cron line.
Both must see the same values. Each command then runs against the ``installed`` host
(tests/deploy/conftest.py), whose install steps are the guide's own. The Backups block's
commands are the ones tests/served/test_backup_restore.py runs on both databases. ``sudo`` and
``sudo -u gridwalk`` are left out: the commands run as the test's user. Only the env file's
folder and mode are tried as another user (a numeric stand-in for ``gridwalk``, run as root).
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from server.config import normalise_database_url
from tests.deploy import guide


def test_a_shell_reads_the_env_file_as_systemd_does(host):
    shell = subprocess.run(["/bin/sh", "-c", f"set -a; . '{host.env_file}'; exec env -0"], capture_output=True,
                           text=True, env={"PATH": "/usr/bin:/bin"}, check=True)
    seen = dict(pair.split("=", 1) for pair in shell.stdout.split("\0") if pair)
    for name, value in host.settings().items():
        assert seen.get(name) == value, f"{name}: a shell reads {seen.get(name)!r}, systemd {value!r}"


def test_the_guide_migrates_seeds_and_upgrades_through_the_env_file():
    assert [step.rsplit(" wsgi ", 1)[1] for step in guide.env_steps()] == ["db upgrade", "seed-demo", "db upgrade"]


def test_the_install_steps_migrate_and_seed_the_database_the_env_file_names(installed):
    engine = create_engine(normalise_database_url(installed.database_url))
    with engine.connect() as conn:
        assert {"alembic_version", "records", "users"} <= set(inspect(conn).get_table_names())
        assert conn.exec_driver_sql("SELECT count(*) FROM users WHERE username = 'g1-1'").scalar() == 1
    engine.dispose()


def test_the_cron_line_sweeps_once(installed):
    done = installed.run(guide.cron_command())
    assert done.returncode == 0, done.stderr[-2000:]
    assert "due notifications considered" in done.stdout


def unused_id(start: int, taken) -> int:
    """The first id from ``start`` that no user (or group) of this machine has."""
    candidate = start
    while True:
        try:
            taken(candidate)
        except KeyError:
            return candidate
        candidate += 1


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"),
                    reason="needs root and setpriv to act as the service user")
def test_the_service_user_and_no_one_else_reads_the_env_file(host):
    """The install block's modes for /etc/gridwalk, applied with a numeric stand-in for ``gridwalk``."""
    service_gid = unused_id(64000, grp.getgrgid)
    service_uid, stranger = unused_id(64000, pwd.getpwuid), unused_id(65000, pwd.getpwuid)
    (install_block,) = [b for b in guide.blocks("sh") if "useradd" in b]
    lines = [line.split("#", 1)[0].replace("sudo ", "") for line in install_block.splitlines()
             if "/etc/gridwalk" in line and ("install -d" in line or "chmod" in line)]
    folder = Path(tempfile.mkdtemp(prefix="etc-"))
    try:
        os.chmod(folder, 0o755)  # like /etc: anyone may look inside
        etc = folder / "etc-gw"
        make_folder, protect_file = guide.replace("\n".join(lines), {
            "/etc/gridwalk": str(etc), "-o root -g gridwalk": f"-o 0 -g {service_gid}",
            "root:gridwalk": f"0:{service_gid}"}).splitlines()
        subprocess.run(["/bin/sh", "-c", make_folder], check=True)
        shutil.copy(host.env_file, etc / "env")
        subprocess.run(["/bin/sh", "-c", protect_file], check=True)

        def read_as(uid: int, gid: int) -> subprocess.CompletedProcess:
            return subprocess.run(["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups", "/bin/sh", "-c",
                                   f"set -a; . '{etc}/env'; printf %s \"$GRIDWALK_ENV\""],
                                  capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})

        assert read_as(service_uid, service_gid).stdout == "production"
        refused = read_as(stranger, stranger)
        assert refused.returncode != 0 and "Permission denied" in refused.stderr
    finally:
        shutil.rmtree(folder)
