"""Fixtures that hand out each media backend: a temp folder and a local S3 server.

The S3 backend runs against moto's server mode, a real HTTP endpoint, so the
requests boto3 builds (signing, path-style addressing, pagination) are exercised
as they would be against MinIO or AWS.
"""

from __future__ import annotations

import uuid

import boto3
import pytest
from moto.server import ThreadedMotoServer

from server.media import MediaStorage, media_from_url

REGION = "us-east-1"


@pytest.fixture(scope="session")
def s3_endpoint():
    """Start one S3-compatible server on a free local port for the session."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def aws_credentials(monkeypatch, tmp_path):
    """Dummy credentials, and no chance of reading a real AWS profile."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-creds"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture(scope="session")
def s3_admin(s3_endpoint):
    """A client for creating buckets, outside the code under test."""
    return boto3.session.Session(
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name=REGION,
    ).client("s3", endpoint_url=s3_endpoint)


@pytest.fixture
def s3_bucket(s3_admin, aws_credentials):
    """A fresh, empty bucket on the local S3 server."""
    name = f"gridwalk-{uuid.uuid4().hex[:16]}"
    s3_admin.create_bucket(Bucket=name)
    return name


@pytest.fixture
def s3_url(s3_endpoint, s3_bucket):
    """The media URL of a prefix inside a fresh bucket."""
    return f"s3://{s3_bucket}/media?endpoint_url={s3_endpoint}&region={REGION}"


@pytest.fixture(params=["file", "s3"])
def backend_name(request):
    """The name of the backend under test."""
    return request.param


@pytest.fixture
def storage(request, backend_name, tmp_path) -> MediaStorage:
    """An empty storage of each kind, built from its URL as the app does."""
    if backend_name == "file":
        return media_from_url("file://media", instance_path=str(tmp_path))
    return media_from_url(request.getfixturevalue("s3_url"))


@pytest.fixture
def s3_seed(s3_endpoint):
    """Store empty objects straight into the local server's memory.

    Thousands of keys through HTTP take seconds; listing them back, which is
    what the tests are about, still goes through the real S3 API.
    """
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.s3.models import s3_backends

    def seed(bucket: str, keys: list[str]) -> None:
        backend = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]
        for key in keys:
            backend.put_object(bucket, key, b"")

    return seed
