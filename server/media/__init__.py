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
from urllib.parse import parse_qs, unquote, urlsplit

from server.media.base import MediaNotFound, MediaStorage, validate_key, validate_prefix

__all__ = [
    "MediaNotFound",
    "MediaStorage",
    "media_from_url",
    "validate_key",
    "validate_prefix",
]

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
    from server.media.file import FileStorage  # each backend is loaded only when a URL names it

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
    from server.media.s3 import S3Storage  # boto3 is loaded only when S3 is configured

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
