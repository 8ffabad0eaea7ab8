"""The guide's env file and the shell commands that read it, run as the guide writes them.

The env file is read twice on a host: by systemd (``EnvironmentFile=``) and by a shell
(``set -a; . /etc/gridwalk/env``) in the install and upgrade steps and the cron line.
Both must see the same values. Each command then runs against the ``installed`` host
(tests/deploy/conftest.py), whose install steps are the guide's own. The Backups block's
commands are the ones tests/served/test_backup_restore.py runs on both databases. ``sudo`` and
``sudo -u gridwalk`` are left out: the test is one user, so the folders' owners and modes
are not exercised here.
"""

from __future__ import annotations

import subprocess

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
