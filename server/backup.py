"""Backups that restore: the database and the photo store in one folder.

``backup(folder)`` writes, in this order:

1. the database: PostgreSQL through ``pg_dump --format=custom`` (one consistent
   snapshot, taken while the server keeps serving), SQLite through its online
   backup API (a consistent copy of a live file, never a half-written page);
2. every object of the media store (photos, renditions, upload chunks), copied
   into ``media/`` as plain files;
3. ``manifest.json`` naming the database kind and counting the objects.

Photos are content-addressed and never rewritten, so copying them after the
database leaves a store that holds every photo the snapshot's records use
(perhaps a few newer ones, which nothing references yet).

``restore(folder)`` loads such a folder into an empty database (PostgreSQL
through ``pg_restore`` in one transaction; SQLite through the backup API) and
puts the media objects back into the configured store.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from server.extensions import db
from server.media.file import FileStorage

FORMAT = 1
DUMP = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why."""


def _libpq_url() -> str:
    """The database URL as libpq's tools take it (no SQLAlchemy driver suffix)."""
    url = db.engine.url.set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _sqlite_path() -> str:
    path = make_url(str(db.engine.url)).database
    if not path or path == ":memory:":
        raise BackupError("an in-memory SQLite database has nothing to back up")
    return path


def _media_folder(folder: Path) -> FileStorage:
    return FileStorage(folder / "media")


def backup(folder: str | os.PathLike[str]) -> dict:
    """Back the database and the media store up into ``folder`` (new or empty); answer the manifest."""
    from server.services.photos import storage

    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise BackupError(f"{folder} is not empty; back up into a new folder")
    folder.mkdir(parents=True, exist_ok=True)
    kind = db.engine.dialect.name
    target = folder / DUMP[kind]
    if kind == "postgresql":
        _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(target), "--dbname", _libpq_url()])
    else:
        db.session.remove()
        source = sqlite3.connect(_sqlite_path())
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)  # pages copied under SQLite's own locking, while others keep writing
        finally:
            copy.close()
            source.close()
    media, saved = storage(), _media_folder(folder)
    keys = media.list()
    for key in keys:
        saved.put(key, media.get(key))
    manifest = {"format": FORMAT, "database": kind, "database_file": target.name, "media_objects": len(keys),
                "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def restore(folder: str | os.PathLike[str]) -> dict:
    """Load a backup folder into the configured, empty database and put its photos back; answer its manifest."""
    from server.services.photos import storage

    folder = Path(folder)
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{folder} holds no readable manifest.json: {exc}") from exc
    kind = db.engine.dialect.name
    if manifest.get("format") != FORMAT or manifest.get("database") != kind:
        raise BackupError(f"this backup is of a {manifest.get('database')} database (format "
                          f"{manifest.get('format')}); the configured database is {kind}")
    tables = inspect(db.engine).get_table_names()
    db.engine.dispose()
    if tables:
        raise BackupError(f"the database is not empty ({len(tables)} tables); restore into an empty one")
    source = folder / manifest["database_file"]
    if kind == "postgresql":
        _run(["pg_restore", "--no-owner", "--exit-on-error", "--single-transaction", "--dbname", _libpq_url(),
              str(source)])
    else:
        saved = sqlite3.connect(source)
        live = sqlite3.connect(_sqlite_path())
        try:
            saved.backup(live)
        finally:
            live.close()
            saved.close()
    media, saved_media = storage(), _media_folder(folder)
    for key in saved_media.list():
        media.put(key, saved_media.get(key))
    return manifest


def _run(command: list[str]) -> None:
    try:
        subprocess.run(command, check=True, capture_output=True, text=True)
    except FileNotFoundError as exc:
        raise BackupError(f"{command[0]} is not installed (PostgreSQL's client tools)") from exc
    except subprocess.CalledProcessError as exc:
        raise BackupError(f"{command[0]} failed: {exc.stderr.strip()[-2000:]}") from exc
