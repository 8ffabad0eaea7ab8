"""The interface every media backend implements, and the key rules they share."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod

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
