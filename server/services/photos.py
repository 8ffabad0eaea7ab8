"""Content-addressed photo uploads: resumable, verified, rendered, scoped.

An upload arrives in chunks (``Upload-Offset``/``Upload-Length``); each chunk
is stored in media under ``partial/<sha>/<user id>/<offset>`` so a resumed
upload can land on another worker or host. When the last byte is in, the bytes
must hash to the SHA-256 in the URL, then Pillow verifies and renders them
(``photo_pipeline.ingest``); only the EXIF-free renditions are kept and served.
Anything wrong answers a 4xx and leaves nothing behind.

A photo stored already but not readable by the caller answers exactly as a
missing one (``server.services.photo_access``): HEAD says "missing", and the
caller uploads it like anyone else; the whole, matching bytes make them one of
its holders (the stored copy stays the only one). So does one the caller may
read but listed on a record without holding it: their phone is asked for the
bytes that make that reference count. Each user's upload is their own, so
nobody learns from an upload whether someone else has the photo.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from server.errors import DomainError
from server.extensions import db
from server.media import MediaNotFound, MediaStorage, media_from_url
from server.models import Photo, PhotoUpload
from server.models.types import utcnow
from server.services.bulk import insert_missing
from server.services.photo_access import can_read, complete_for, hold
# The write path (``sync._write``) and the pull call these as ``photos.…``.
from server.services.photo_access import update_refs, with_pending  # noqa: F401
from server.services.photo_pipeline import PhotoError, ingest
from server.services.scope import Scope

SHA256 = re.compile(r"^[0-9a-f]{64}$")
SIZES = ("display", "thumb")
# Codes of the pipeline and the HTTP status each answers with.
# A byte count in a header: ASCII digits only (str.isdigit and int() also take
# "²" or "٣"), and no more than fit a signed 64-bit integer.
_BYTE_COUNT = re.compile(r"[0-9]{1,19}")
_MAX_BYTE_COUNT = 2**63 - 1


def storage() -> MediaStorage:
    """The media backend of ``GRIDWALK_MEDIA_URL``, made once per app."""
    app = current_app
    cache = app.extensions.setdefault("gridwalk_media", {})
    url = app.config["GRIDWALK_MEDIA_URL"]
    if url not in cache:
        cache[url] = media_from_url(url, instance_path=app.instance_path)
    return cache[url]


def check_sha(sha: str) -> str:
    """The hash, if it is one; a 404 otherwise (no photo can live at that address)."""
    if not SHA256.match(sha):
        raise DomainError("not_found", "Photos are addressed by a lower-case SHA-256 hex digest.")
    return sha


@dataclass(frozen=True)
class UploadState:
    """What HEAD tells the caller about a photo."""

    status: str  # complete | partial | missing
    offset: int


def _complete_for(scope: Scope, sha: str) -> bool:
    """Stored, and the caller's to have (``photo_access.complete_for``); otherwise the same as missing to them."""
    return db.session.get(Photo, sha) is not None and complete_for(scope, sha)


def upload_state(scope: Scope, sha: str) -> UploadState:
    """What HEAD answers: complete (the server has it for the caller), their own partial upload, or missing."""
    check_sha(sha)
    if _complete_for(scope, sha):
        return UploadState("complete", 0)
    upload = db.session.get(PhotoUpload, (sha, scope.user_id))
    if upload is not None:
        return UploadState("partial", upload.received)
    return UploadState("missing", 0)


def _parts_prefix(sha: str, user_id: int) -> str:
    return f"partial/{sha}/{user_id}/"


def _discard(sha: str, user_id: int, upload: PhotoUpload | None) -> None:
    media = storage()
    for key in media.list(_parts_prefix(sha, user_id)):
        media.delete(key)
    _forget(upload)
    db.session.commit()


def _forget(upload: PhotoUpload | None) -> None:
    """Drop the upload row, whether it was already stored or only just added."""
    if upload is None:
        return
    if upload in db.session.new:
        db.session.expunge(upload)
    else:
        db.session.delete(upload)


def _header_int(value: str | None, name: str, default: int | None) -> int | None:
    if value is None or value == "":
        return default
    if not _BYTE_COUNT.fullmatch(value) or int(value) > _MAX_BYTE_COUNT:
        raise DomainError("invalid_header", f"{name} must be a non-negative integer in ASCII digits.",
                       {name: ["Not a byte count."]})
    return int(value)


def put_chunk(scope: Scope, sha: str, body: bytes, offset_header: str | None,
              length_header: str | None) -> tuple[int, dict]:
    """Store one chunk of the caller's upload; answer (HTTP status, body). 201 when the photo is complete."""
    check_sha(sha)
    cfg = current_app.config
    if _complete_for(scope, sha):
        return 200, {"sha256": sha, "status": "complete"}
    offset = _header_int(offset_header, "Upload-Offset", 0)
    total = _header_int(length_header, "Upload-Length", offset + len(body))
    if total > cfg["GRIDWALK_PHOTO_MAX_BYTES"]:
        raise DomainError("too_large", f"Photos may be at most {cfg['GRIDWALK_PHOTO_MAX_BYTES']} bytes.")
    if total == 0:
        raise DomainError("empty", "The photo is empty.")
    user_id = scope.user_id
    # Locked: two requests of the same user (two tabs, a retry) append in turn.
    upload = db.session.execute(
        select(PhotoUpload).where(PhotoUpload.sha256 == sha, PhotoUpload.uploader_id == user_id).with_for_update()
    ).scalar_one_or_none()
    expected = upload.received if upload is not None else 0
    if offset != expected:
        db.session.rollback()
        raise DomainError("offset_mismatch", f"The upload continues at byte {expected}.",
                       {"expected_offset": expected})
    if upload is not None and upload.total != total:
        db.session.rollback()
        raise DomainError("length_mismatch", "Upload-Length differs from the upload's first chunk.",
                       {"expected_length": upload.total})
    if offset + len(body) > total:
        _discard(sha, user_id, upload)
        raise DomainError("too_long", "More bytes arrived than Upload-Length announced.")
    if not body:
        raise DomainError("empty_chunk", "The chunk is empty.")
    if upload is None:
        upload = PhotoUpload(sha256=sha, uploader_id=user_id, total=total, received=0)
        db.session.add(upload)
    storage().put(f"{_parts_prefix(sha, user_id)}{offset:012d}", body)
    upload.received = offset + len(body)
    upload.updated_at = utcnow()
    if upload.received < total:
        db.session.commit()
        return 204, {"sha256": sha, "status": "partial", "offset": upload.received}
    return _complete(user_id, sha, upload)


def _assemble(sha: str, user_id: int) -> bytes:
    media = storage()
    return b"".join(media.get(key) for key in media.list(_parts_prefix(sha, user_id)))


def _complete(user_id: int, sha: str, upload: PhotoUpload) -> tuple[int, dict]:
    data = _assemble(sha, user_id)
    if hashlib.sha256(data).hexdigest() != sha:
        _discard(sha, user_id, upload)
        raise DomainError("hash_mismatch", "The uploaded bytes do not match the SHA-256 in the URL.")
    # Verified and rendered even when stored already: the caller gets the answer
    # a first upload gets, and learns nothing about who else has the photo.
    try:
        processed = ingest(data, max_pixels=current_app.config["GRIDWALK_PHOTO_MAX_PIXELS"])
    except PhotoError as exc:
        _discard(sha, user_id, upload)
        raise DomainError(exc.code, exc.message) from exc
    media = storage()
    if db.session.get(Photo, sha) is None:
        media.put(f"photos/{sha}/display.jpg", processed.display, "image/jpeg")
        media.put(f"photos/{sha}/thumb.jpg", processed.thumb, "image/jpeg")
        # Another user finishing the same bytes at the same moment stores the
        # same renditions; the first row stays, the second insert is skipped.
        insert_missing(Photo.__table__, [{
            "sha256": sha, "uploader_id": user_id, "size": len(data), "width": processed.width,
            "height": processed.height, "format": processed.format, "phash": processed.phash,
            "taken_at": processed.taken_at, "gps": processed.gps, "created_at": utcnow(),
        }])
    hold(sha, user_id)
    _forget(upload)
    db.session.commit()
    for key in media.list(_parts_prefix(sha, user_id)):
        media.delete(key)
    return 201, describe(db.session.get(Photo, sha))


def describe(photo: Photo) -> dict:
    """The JSON answer for a stored photo."""
    return {"sha256": photo.sha256, "status": "complete", "width": photo.width, "height": photo.height,
            "format": photo.format, "phash": photo.phash, "taken_at": photo.taken_at, "size": photo.size}


def read_photo(scope: Scope, sha: str, size: str) -> bytes:
    """A rendition, for whoever may read the photo (``photo_access``); 404 for anyone else, as if missing."""
    check_sha(sha)
    if db.session.get(Photo, sha) is None or not can_read(scope, sha):
        raise DomainError("not_found", "No such photo (it may not be uploaded yet).")
    try:
        return storage().get(f"photos/{sha}/{size}.jpg")
    except MediaNotFound as exc:
        raise DomainError("not_found", "The rendition is missing from storage.") from exc
