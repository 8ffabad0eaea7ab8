"""The key that signs tokens: ``GRIDWALK_SECRET_KEY``, or one made once for this instance.

Anyone who can read the source knows a key written in it, and with it can sign
a supervisor's token, so no constant ever signs anything. When no key is
configured, the first process to start makes a random one and keeps it in the
instance folder (``instance/secret_key``, mode 0600); every later process, and
every gunicorn worker started at the same moment, reads that same file.

Production (``GRIDWALK_ENV=production``) must be given its key: hosts behind
one load balancer must share it, and an instance file each would make every
host refuse the others' tokens.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import time

SECRET_FILE = "secret_key"
MIN_LENGTH = 32
# Keys that have been published (the development default of earlier
# releases): a deployment still configured with one is refused, not trusted.
PUBLISHED_KEYS = frozenset({"gridwalk-development-secret-change-me-before-production"})


class SecretKeyError(RuntimeError):
    """The configured key cannot be used, or the instance key cannot be read or made."""


def signing_key(env: str, configured: str | None, instance_path: str) -> str:
    """The key to sign tokens with: the configured one (checked), else the instance's own."""
    if configured:
        if configured in PUBLISHED_KEYS:
            raise SecretKeyError("GRIDWALK_SECRET_KEY is a published value; set a long random one")
        if len(configured) < MIN_LENGTH:
            raise SecretKeyError(f"GRIDWALK_SECRET_KEY must be at least {MIN_LENGTH} characters")
        return configured
    if env == "production":
        raise SecretKeyError(
            "GRIDWALK_SECRET_KEY must be set to a long random value in production "
            "(every host must share it)"
        )
    return instance_secret(instance_path)


def instance_secret(instance_path: str) -> str:
    """The instance's own random key, made on first use; the same for every process."""
    path = os.path.join(instance_path, SECRET_FILE)
    try:
        if not os.path.exists(path):
            _create(path)
        return _read(path)
    except OSError as exc:
        raise SecretKeyError(
            f"cannot make or read {path} ({exc.strerror or exc}); "
            "set GRIDWALK_SECRET_KEY, or GRIDWALK_INSTANCE_PATH to a writable folder"
        ) from exc


def _create(path: str) -> None:
    """Publish a new key at ``path`` unless another process got there first.

    The key is written to a file of its own and then hard-linked to ``path``:
    ``link`` fails when ``path`` exists, so of several workers starting at
    once exactly one key wins, and nobody can read a half-written file (an
    ``O_EXCL`` create of ``path`` itself would be visible empty for a moment).
    """
    directory = os.path.dirname(path)
    os.makedirs(directory, exist_ok=True)
    temp = os.path.join(directory, f".{SECRET_FILE}.{os.getpid()}.{secrets.token_hex(8)}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(48) + "\n")
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(temp, path)
        except FileExistsError:
            pass  # another worker published first: its key is the one
        except OSError:
            # A file system without hard links: an exclusive create of the
            # key itself; a reader waits for the content (see _read).
            _create_exclusively(path, temp)
    finally:
        os.unlink(temp)


def _create_exclusively(path: str, temp: str) -> None:
    with open(temp) as source:
        key = source.read()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "w") as out:
        out.write(key)
        out.flush()
        os.fsync(out.fileno())


def _read(path: str, *, wait_seconds: float = 5.0) -> str:
    """The key at ``path``; a file made in the last ``wait_seconds`` may still be being written."""
    while True:
        with open(path) as source:
            key = source.read().strip()
        if len(key) >= MIN_LENGTH:
            break
        # Only the no-hard-link path can show a key file before its content:
        # a young file is waited for, an old one is broken.
        if time.time() - os.stat(path).st_mtime > wait_seconds:
            raise SecretKeyError(
                f"{path} holds no usable key (fewer than {MIN_LENGTH} characters); "
                "delete it to make a new one, or set GRIDWALK_SECRET_KEY"
            )
        time.sleep(0.05)
    if os.stat(path).st_mode & 0o077:
        # Readable by others (copied around, or restored from a backup): the
        # owner is the only one who needs it.
        with contextlib.suppress(OSError):
            os.chmod(path, 0o600)
    return key
