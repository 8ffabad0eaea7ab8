"""Media storage in an S3 bucket (AWS or any S3-compatible server) via boto3."""

from __future__ import annotations

import functools

import boto3
import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.loaders import create_loader

from server.media.base import MediaNotFound, MediaStorage, validate_key, validate_prefix

_MISSING_CODES = {"404", "NoSuchKey", "NotFound"}


class S3Storage(MediaStorage):
    """Objects in ``bucket`` under an optional key ``prefix``.

    Each method maps to one S3 call (``list`` to as many ``ListObjectsV2``
    pages as needed). A single ``PutObject`` is atomic in S3, which gives the
    same all-or-nothing writes as the file backend. Credentials come from the
    boto3 chain (environment, shared config, instance role).
    """

    def __init__(
        self,
        bucket: str,
        *,
        prefix: str = "",
        endpoint_url: str | None = None,
        region: str | None = None,
        addressing_style: str | None = None,
        client=None,
        page_size: int = 1000,
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.page_size = page_size
        if client is None:
            if addressing_style is None and endpoint_url:
                # S3-compatible servers (MinIO, moto, Ceph) are usually reached
                # by IP or a single host name, where bucket subdomains fail.
                addressing_style = "path"
            config = Config(
                s3={"addressing_style": addressing_style or "auto"},
                retries={"max_attempts": 5, "mode": "standard"},
            )
            client = _new_session().client(
                "s3", endpoint_url=endpoint_url, region_name=region, config=config
            )
        self.client = client

    def __repr__(self) -> str:
        return f"S3Storage(bucket={self.bucket!r}, prefix={self.prefix!r})"

    def _object_name(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(
        self, key: str, data: bytes, content_type: str = "application/octet-stream"
    ) -> None:
        """Upload ``data`` as one object with the given content type."""
        self.client.put_object(
            Bucket=self.bucket,
            Key=self._object_name(validate_key(key)),
            Body=data,
            ContentType=content_type,
        )

    def get(self, key: str) -> bytes:
        """Download the object; raise :class:`MediaNotFound` if absent."""
        name = self._object_name(validate_key(key))
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=name)
        except ClientError as exc:
            if _is_missing(exc):
                raise MediaNotFound(key) from None
            raise
        with answer["Body"] as body:
            return body.read()

    def exists(self, key: str) -> bool:
        """Tell whether the object exists (one ``HeadObject``)."""
        return self.size(key) is not None

    def size(self, key: str) -> int | None:
        """Return the object's ``ContentLength``, or ``None`` if absent."""
        name = self._object_name(validate_key(key))
        try:
            answer = self.client.head_object(Bucket=self.bucket, Key=name)
        except ClientError as exc:
            if _is_missing(exc):
                return None
            raise
        return int(answer["ContentLength"])

    def delete(self, key: str) -> None:
        """Delete the object; S3 answers success for a missing key too."""
        self.client.delete_object(
            Bucket=self.bucket, Key=self._object_name(validate_key(key))
        )

    def list(self, prefix: str = "") -> list[str]:
        """Return the sorted keys starting with ``prefix``, across all pages."""
        validate_prefix(prefix)
        root = f"{self.prefix}/" if self.prefix else ""
        paginator = self.client.get_paginator("list_objects_v2")
        pages = paginator.paginate(
            Bucket=self.bucket,
            Prefix=root + prefix,
            PaginationConfig={"PageSize": self.page_size},
        )
        keys = [
            item["Key"][len(root):]
            for page in pages
            for item in page.get("Contents", ())
        ]
        keys.sort()
        return keys


@functools.cache
def _shared_loader():
    return create_loader()


def _new_session() -> boto3.session.Session:
    """A fresh boto3 session (own credentials) sharing parsed service models.

    Parsing the S3 service description is most of the cost of a new client;
    sharing the loader makes building a storage per app (or per test) cheap.
    """
    session = botocore.session.get_session()
    session.register_component("data_loader", _shared_loader())
    return boto3.session.Session(botocore_session=session)


def _is_missing(exc: ClientError) -> bool:
    # A missing bucket (NoSuchBucket) is a configuration error and propagates.
    return str(exc.response.get("Error", {}).get("Code")) in _MISSING_CODES
