"""A host laid out as docs/DEPLOY.md lays it out, in a temporary folder.

``host`` writes the guide's ``/etc/gridwalk/env`` block with only its placeholders,
stores and paths replaced (``Host.replacements``): the PostgreSQL database of
GRIDWALK_TEST_DATABASE_URL (emptied first) as the guide deploys, or a SQLite file where
none is set; a bucket on moto's S3 server (a real HTTP endpoint) for MinIO; no Redis;
this checkout's ``pwa/dist``. The commands the guide shows then run against it as the
guide writes them.

Tools a test needs from the system (nginx, systemd-analyze) are skipped LOUDLY where
they are missing, unless GRIDWALK_REQUIRE_DEPLOY_TOOLS=1 (CI), where that is a failure.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer
from sqlalchemy import create_engine, text

from server.config import normalise_database_url
from tests.deploy import guide
from tests.live_server import BIN, ROOT

DIST = ROOT / "pwa" / "dist"
PG_URL = os.environ.get("GRIDWALK_TEST_DATABASE_URL")


def require_tool(name: str, package: str) -> str:
    """The path of ``name``, or a loud skip (a failure in CI) naming the Debian package to install."""
    found = shutil.which(name) or next((f"{d}/{name}" for d in ("/usr/sbin", "/usr/bin", "/sbin")
                                        if os.access(f"{d}/{name}", os.X_OK)), None)
    if not found:
        message = f"{name} not found: the deploy guide's tests that need it are SKIPPED — apt-get install -y {package}"
        if os.environ.get("GRIDWALK_REQUIRE_DEPLOY_TOOLS") == "1":
            pytest.fail(message)
        sys.stderr.write(f"\n\n*** {message} ***\n\n")
        pytest.skip(message)
    return found


class Host:
    """The guide's paths on this machine: its env file, instance folder and backup folder."""

    def __init__(self, folder: Path, database_url: str, s3_endpoint: str, bucket: str):
        self.folder = folder
        self.database_url = database_url
        self.backups = folder / "backups"
        self.env_file = folder / "env"
        self.replacements = {
            "<python3 -c 'import secrets; print(secrets.token_urlsafe(48))', the same on every host>":
                secrets.token_urlsafe(48),
            "postgresql://gridwalk:<password>@db.internal:5432/gridwalk": database_url,
            # No Redis: login limits are then counted in the database, so no run sees another's counts.
            "redis://redis.internal:6379/0": "",
            "s3://gridwalk-photos/": f"s3://{bucket}/",
            "https://minio.internal:9000": s3_endpoint,
            "<MinIO access key>": "testing",
            "<MinIO secret key>": "testing",
            "/var/lib/gridwalk": str(folder / "instance"),
            "/opt/gridwalk/pwa/dist": str(DIST),
        }
        text = guide.replace(guide.env_file(), self.replacements)
        assert not guide.PLACEHOLDER.search(text), "a placeholder of the env file is left unfilled"
        self.env_file.write_text(text)

    def settings(self) -> dict[str, str]:
        """The env file as systemd's EnvironmentFile= reads it."""
        return {name: guide.unquoted(value) for name, value in guide.env_lines(self.env_file.read_text()).items()}

    def process_env(self, **extra: str) -> dict[str, str]:
        """What a unit or a login shell has before the env file is read: a PATH, and no stray settings.

        The AWS variables keep boto3 away from this machine's own AWS configuration.
        """
        return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(self.folder), "LANG": "C.UTF-8",
                "AWS_CONFIG_FILE": str(self.folder / "no-aws-config"),
                "AWS_SHARED_CREDENTIALS_FILE": str(self.folder / "no-aws-credentials"),
                "AWS_EC2_METADATA_DISABLED": "true", **extra}

    def run(self, command: str, env: dict | None = None, **extra: str) -> subprocess.CompletedProcess:
        """A shell command of the guide, run by /bin/sh in the checkout as the guide's folder."""
        return subprocess.run(["/bin/sh", "-c", self.shell_command(command)], cwd=ROOT, text=True,
                              capture_output=True, env=env or self.process_env(**extra), timeout=300)

    def shell_command(self, command: str) -> str:
        """A command of the guide with this host's paths: its env file, checkout, venv and backup folder."""
        paths = {"/etc/gridwalk/env": str(self.env_file), "/opt/gridwalk/.venv/bin/": f"{BIN}/",
                 ".venv/bin/": f"{BIN}/", "/opt/gridwalk": str(ROOT), "/var/backups/gridwalk/": f"{self.backups}/"}
        # One pass, longest first: a path put in is never replaced again.
        pattern = "|".join(re.escape(old) for old in sorted(paths, key=len, reverse=True))
        return re.sub(pattern, lambda match: paths[match.group(0)], command)


# The cost the test suite gives argon2 (tests/live_server.py), so seeding stays quick.
CHEAP_HASHING = {"GRIDWALK_ARGON2_TIME_COST": "1", "GRIDWALK_ARGON2_MEMORY_KIB": "64"}


@pytest.fixture(scope="session")
def installed(host) -> Host:
    """The host after the install steps that read the env file: ``db upgrade``, then ``seed-demo``."""
    for step in dict.fromkeys(guide.env_steps()):  # the upgrade's `db upgrade` is the install's
        done = host.run(step, **CHEAP_HASHING)
        assert done.returncode == 0, (step, done.stderr[-2000:])
    return host


@pytest.fixture(scope="session")
def host(tmp_path_factory):
    """The guide's host: its env file with local stores, and the bucket it names made (``mc mb``)."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    address, port = server.get_host_and_port()
    endpoint = f"http://{address}:{port}"
    bucket = f"gridwalk-photos-{uuid.uuid4().hex[:8]}"  # moto's buckets are shared by the whole test process
    boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1") \
        .client("s3", endpoint_url=endpoint).create_bucket(Bucket=bucket)
    folder = tmp_path_factory.mktemp("host")
    database_url = PG_URL or f"sqlite:///{folder / 'gridwalk.db'}"
    if PG_URL:
        engine = create_engine(normalise_database_url(PG_URL))
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    try:
        yield Host(folder, database_url, endpoint, bucket)
    finally:
        server.stop()
