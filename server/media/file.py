"""Media storage in a local folder: the embedded default (``instance/media``)."""

from __future__ import annotations

import os
import secrets
import stat

from server.media.base import MediaNotFound, MediaStorage, validate_key, validate_prefix

# "~" is outside the key alphabet, so a temporary file can never be mistaken
# for a stored object, even if a crash leaves one behind.
_TEMP_MARK = "~tmp~"


class FileStorage(MediaStorage):
    """Objects as files under ``root``; a key's ``/`` separates folders.

    Writes go to a temporary file in the target folder, are flushed to disk and
    then renamed over the key (``os.replace``), so a reader or a crash never
    sees half a photo. The content type is not kept: callers know what they
    stored (renditions are JPEG, chunks are opaque).
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = os.path.abspath(os.fspath(root))

    def __repr__(self) -> str:
        return f"FileStorage({self.root!r})"

    def _path(self, key: str) -> str:
        return os.path.join(self.root, *key.split("/"))

    def put(
        self, key: str, data: bytes, content_type: str = "application/octet-stream"
    ) -> None:
        """Write ``data`` to the key's file atomically, creating folders."""
        path = self._path(validate_key(key))
        folder = os.path.dirname(path)
        # A concurrent delete() may prune the folder between makedirs and the
        # write; creating it again and retrying makes put win that race.
        for attempt in range(3):
            os.makedirs(folder, exist_ok=True)
            temp = f"{path}{_TEMP_MARK}{secrets.token_hex(8)}"
            try:
                with open(temp, "xb") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
            except FileNotFoundError:
                if attempt == 2:
                    raise
                continue
            try:
                os.replace(temp, path)
            except BaseException:
                _remove_quietly(temp)
                raise
            _fsync_folder(folder)
            return

    def get(self, key: str) -> bytes:
        """Return the file's bytes; raise :class:`MediaNotFound` if absent."""
        path = self._path(validate_key(key))
        try:
            with open(path, "rb") as handle:
                return handle.read()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise MediaNotFound(key) from None

    def exists(self, key: str) -> bool:
        """Tell whether the key's file exists."""
        return os.path.isfile(self._path(validate_key(key)))

    def size(self, key: str) -> int | None:
        """Return the file's size in bytes, or ``None`` if absent."""
        path = self._path(validate_key(key))
        try:
            info = os.stat(path)
        except (FileNotFoundError, NotADirectoryError):
            return None
        return info.st_size if stat.S_ISREG(info.st_mode) else None

    def delete(self, key: str) -> None:
        """Remove the key's file and the folders it leaves empty."""
        path = self._path(validate_key(key))
        try:
            os.remove(path)
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return
        self._prune_empty_folders(os.path.dirname(path))

    def _prune_empty_folders(self, folder: str) -> None:
        # Chunked uploads create one folder per photo (partial/<sha>/); without
        # pruning, every finished upload would leave an empty folder behind.
        while folder != self.root and folder.startswith(self.root + os.sep):
            try:
                os.rmdir(folder)
            except OSError:
                return
            folder = os.path.dirname(folder)

    def list(self, prefix: str = "") -> list[str]:
        """Return the sorted keys starting with ``prefix``."""
        validate_prefix(prefix)
        # Only walk the deepest folder the prefix fully names.
        folder_key = prefix.rpartition("/")[0]
        start = self._path(folder_key) if folder_key else self.root
        keys = []
        for dirpath, dirnames, filenames in os.walk(start):
            relative = os.path.relpath(dirpath, self.root)
            base = "" if relative == "." else relative.replace(os.sep, "/") + "/"
            dirnames[:] = [
                name for name in dirnames if _could_match(base + name + "/", prefix)
            ]
            for name in filenames:
                key = base + name
                if _TEMP_MARK not in name and key.startswith(prefix):
                    keys.append(key)
        keys.sort()
        return keys


def _could_match(folder_key: str, prefix: str) -> bool:
    """Tell whether keys under ``folder_key`` may start with ``prefix``."""
    return folder_key.startswith(prefix) or prefix.startswith(folder_key)


def _remove_quietly(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass


def _fsync_folder(folder: str) -> None:
    """Make the rename itself durable (POSIX); a no-op where unsupported."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
