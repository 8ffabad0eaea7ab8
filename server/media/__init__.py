"""Media storage: photos and upload chunks behind one small interface.

A backend stores opaque bytes under a key such as ``photos/ab/abcd….jpg`` or
``partial/<sha256>/000000065536``. Two backends exist, chosen by URL
(``GRIDWALK_MEDIA_URL``):

- ``file:///abs/path`` or ``file://relative/path`` (relative to the Flask
  instance folder): a local folder, the embedded default;
- ``s3://bucket/prefix?endpoint_url=http://host:port&region=…``: S3 or any
  S3-compatible object store, for deployments with several app servers.

Both pass the same test suite (``tests/media``), so callers may rely on exactly
what :class:`MediaStorage` documents and nothing more.
"""

from __future__ import annotations

import os
import re
from abc import ABC, abstractmethod
from urllib.parse import parse_qs, unquote, urlsplit

__all__ = [
    "MediaNotFound",
    "MediaStorage",
    "media_from_url",
    "validate_key",
    "validate_prefix",
]

# Keys end up as file paths and as S3 object names: a conservative alphabet
# keeps them portable and makes path traversal impossible by construction.
_KEY_CHARS = re.compile(r"[A-Za-z0-9/_.-]*")
MAX_KEY_LENGTH = 512


class MediaNotFound(KeyError):
    """The requested key does not exist in the storage."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key

    def __str__(self) -> str:
        return f"no media stored under {self.key!r}"


def validate_prefix(prefix: str) -> str:
    """Return ``prefix`` if it is a safe key prefix, else raise ``ValueError``.

    A prefix is a key or the beginning of one: it may be empty or end with ``/``.
    """
    if not isinstance(prefix, str):
        raise ValueError("a media key must be a string")
    if len(prefix) > MAX_KEY_LENGTH:
        raise ValueError(f"media key longer than {MAX_KEY_LENGTH} characters")
    if not _KEY_CHARS.fullmatch(prefix):
        raise ValueError(
            f"media key {prefix!r} may only contain letters, digits and / _ . -"
        )
    if prefix.startswith("/"):
        raise ValueError(f"media key {prefix!r} must not start with '/'")
    if ".." in prefix:
        raise ValueError(f"media key {prefix!r} must not contain '..'")
    if "//" in prefix:
        raise ValueError(f"media key {prefix!r} must not contain an empty segment")
    if any(segment == "." for segment in prefix.split("/")):
        raise ValueError(f"media key {prefix!r} must not contain a '.' segment")
    return prefix


def validate_key(key: str) -> str:
    """Return ``key`` if it names a storable object, else raise ``ValueError``."""
    validate_prefix(key)
    if key == "" or key.endswith("/"):
        raise ValueError(f"media key {key!r} must name an object, not a folder")
    return key


class MediaStorage(ABC):
    """Where photos and upload chunks are kept.

    Keys are validated by every method (:func:`validate_key`); an invalid key
    raises ``ValueError`` before the backend is touched.
    """

    @abstractmethod
    def put(
        self, key: str, data: bytes, content_type: str = "application/octet-stream"
    ) -> None:
        """Store ``data`` under ``key``, replacing any previous object atomically.

        Readers see either the old object or the new one, never a partial write.
        """

    @abstractmethod
    def get(self, key: str) -> bytes:
        """Return the bytes stored under ``key``; raise :class:`MediaNotFound`."""

    @abstractmethod
    def exists(self, key: str) -> bool:
        """Tell whether an object is stored under ``key``."""

    @abstractmethod
    def size(self, key: str) -> int | None:
        """Return the size in bytes of the object under ``key``, or ``None``."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the object under ``key``; removing a missing key is not an error."""

    @abstractmethod
    def list(self, prefix: str = "") -> list[str]:
        """Return every stored key that starts with ``prefix``, sorted.

        The prefix is a plain string prefix, not a folder: ``"partial/ab"``
        matches ``"partial/abc/000000000000"``.
        """


def media_from_url(url: str, *, instance_path: str | None = None) -> MediaStorage:
    """Build the storage backend that ``url`` describes.

    ``file:///abs/path`` is a folder; ``file://rel/path`` is a folder relative
    to ``instance_path``. ``s3://bucket[/prefix]`` is an S3 bucket; the query
    string may carry ``endpoint_url`` (for S3-compatible servers), ``region``
    and ``addressing_style`` (``path`` or ``virtual``). S3 credentials come
    from the usual boto3 chain (``AWS_ACCESS_KEY_ID`` …), never from the URL.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "file":
        return _file_from_url(parts.netloc, parts.path, instance_path)
    if scheme == "s3":
        return _s3_from_url(parts.netloc, parts.path, parts.query)
    raise ValueError(f"unsupported media URL {url!r}: use file:// or s3://")


def _file_from_url(netloc: str, path: str, instance_path: str | None) -> MediaStorage:
    from server.media.file import FileStorage

    # file://media/photos parses as host "media" + path "/photos": the whole
    # thing is a path relative to the instance folder, as is file:media.
    location = unquote(netloc + path)
    if not location:
        raise ValueError("a file:// media URL needs a folder path")
    if os.path.isabs(location):
        return FileStorage(location)
    if instance_path is None:
        raise ValueError(f"relative media URL file://{location} needs an instance path")
    return FileStorage(os.path.join(instance_path, location))


def _s3_from_url(bucket: str, path: str, query: str) -> MediaStorage:
    from server.media.s3 import S3Storage

    if not bucket:
        raise ValueError("an s3:// media URL needs a bucket: s3://bucket/prefix")
    params = {name: values[-1] for name, values in parse_qs(query).items()}
    unknown = set(params) - {"endpoint_url", "region", "addressing_style"}
    if unknown:
        raise ValueError(f"unknown s3:// media URL parameters: {sorted(unknown)}")
    prefix = unquote(path).strip("/")
    if prefix:
        validate_key(prefix)
    return S3Storage(
        bucket,
        prefix=prefix,
        endpoint_url=params.get("endpoint_url"),
        region=params.get("region"),
        addressing_style=params.get("addressing_style"),
    )
