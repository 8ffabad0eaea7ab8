"""Content-addressed photo uploads: resumable, verified, rendered, scoped.

An upload arrives in chunks (``Upload-Offset``/``Upload-Length``); each chunk
is stored in media under ``partial/<sha>/<offset>`` so a resumed upload can
land on another worker or host. When the last byte is in, the bytes must hash
to the SHA-256 in the URL, then Pillow verifies and renders them
(``photo_pipeline.ingest``); only the EXIF-free renditions are kept and served.
Anything wrong answers a 4xx and leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import and_, delete, select, tuple_

from server.errors import ApiError
from server.extensions import db
from server.media import MediaNotFound, MediaStorage, media_from_url
from server.models import Photo, PhotoRef, PhotoUpload, Record
from server.models.types import utcnow
from server.services.bulk import insert_many
from server.services.photo_pipeline import PhotoError, ingest

SHA256 = re.compile(r"^[0-9a-f]{64}$")
SIZES = ("display", "thumb")
# The fields of synced records that hold photo hashes (add-wins sets).
PHOTO_FIELDS = ("photos", "after_photos", "resolution_photos")
# Codes of the pipeline and the HTTP status each answers with.
_PIPELINE_STATUS = {"not_an_image": 415, "unsupported_format": 415, "empty": 422, "too_many_pixels": 422,
                    "truncated": 422, "corrupt": 422}


def storage() -> MediaStorage:
    app = current_app
    cache = app.extensions.setdefault("gridwalk_media", {})
    url = app.config["GRIDWALK_MEDIA_URL"]
    if url not in cache:
        cache[url] = media_from_url(url, instance_path=app.instance_path)
    return cache[url]


def check_sha(sha: str) -> str:
    if not SHA256.match(sha):
        raise ApiError(404, "not_found", "Photos are addressed by a lower-case SHA-256 hex digest.")
    return sha


@dataclass(frozen=True)
class UploadState:
    status: str  # complete | partial | missing
    offset: int


def upload_state(user, sha: str) -> UploadState:
    check_sha(sha)
    if db.session.get(Photo, sha) is not None:
        return UploadState("complete", 0)
    upload = db.session.get(PhotoUpload, sha)
    if upload is not None and upload.uploader_id == user.id:
        return UploadState("partial", upload.received)
    return UploadState("missing", 0)


def _parts_prefix(sha: str) -> str:
    return f"partial/{sha}/"


def _discard(sha: str, upload: PhotoUpload | None) -> None:
    media = storage()
    for key in media.list(_parts_prefix(sha)):
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
    if not value.isdigit():
        raise ApiError(400, "invalid_header", f"{name} must be a non-negative integer.", {name: [value]})
    return int(value)


def put_chunk(user, sha: str, body: bytes, offset_header: str | None, length_header: str | None) -> tuple[int, dict]:
    """Store one chunk; answer (HTTP status, body). 201 when the photo is complete."""
    check_sha(sha)
    cfg = current_app.config
    if db.session.get(Photo, sha) is not None:
        return 200, {"sha256": sha, "status": "complete"}
    offset = _header_int(offset_header, "Upload-Offset", 0)
    total = _header_int(length_header, "Upload-Length", offset + len(body))
    if total > cfg["GRIDWALK_PHOTO_MAX_BYTES"]:
        raise ApiError(413, "too_large", f"Photos may be at most {cfg['GRIDWALK_PHOTO_MAX_BYTES']} bytes.")
    if total == 0:
        raise ApiError(422, "empty", "The photo is empty.")
    upload = db.session.execute(
        select(PhotoUpload).where(PhotoUpload.sha256 == sha).with_for_update()
    ).scalar_one_or_none()
    if upload is not None and upload.uploader_id != user.id:
        # Someone else's upload of the same bytes: start ours over theirs only
        # if theirs has stalled; otherwise ask to retry shortly.
        stale = (utcnow() - upload.updated_at).total_seconds() > 600
        if not stale:
            raise ApiError(409, "upload_in_progress", "Another upload of this photo is in progress; retry later.")
        _discard(sha, upload)
        upload = None
    expected = upload.received if upload is not None else 0
    if offset != expected:
        db.session.rollback()
        raise ApiError(409, "offset_mismatch", f"The upload continues at byte {expected}.",
                       {"expected_offset": expected})
    if upload is not None and upload.total != total:
        db.session.rollback()
        raise ApiError(409, "length_mismatch", "Upload-Length differs from the upload's first chunk.",
                       {"expected_length": upload.total})
    if offset + len(body) > total:
        _discard(sha, upload)
        raise ApiError(422, "too_long", "More bytes arrived than Upload-Length announced.")
    if not body:
        raise ApiError(422, "empty_chunk", "The chunk is empty.")
    if upload is None:
        upload = PhotoUpload(sha256=sha, uploader_id=user.id, total=total, received=0)
        db.session.add(upload)
    storage().put(f"{_parts_prefix(sha)}{offset:012d}", body)
    upload.received = offset + len(body)
    upload.updated_at = utcnow()
    if upload.received < total:
        db.session.commit()
        return 204, {"sha256": sha, "status": "partial", "offset": upload.received}
    return _complete(user, sha, upload)


def _assemble(sha: str) -> bytes:
    media = storage()
    return b"".join(media.get(key) for key in media.list(_parts_prefix(sha)))


def _complete(user, sha: str, upload: PhotoUpload) -> tuple[int, dict]:
    data = _assemble(sha)
    if hashlib.sha256(data).hexdigest() != sha:
        _discard(sha, upload)
        raise ApiError(422, "hash_mismatch", "The uploaded bytes do not match the SHA-256 in the URL.")
    try:
        processed = ingest(data, max_pixels=current_app.config["GRIDWALK_PHOTO_MAX_PIXELS"])
    except PhotoError as exc:
        _discard(sha, upload)
        raise ApiError(_PIPELINE_STATUS.get(exc.code, 422), exc.code, exc.message) from exc
    media = storage()
    media.put(f"photos/{sha}/display.jpg", processed.display, "image/jpeg")
    media.put(f"photos/{sha}/thumb.jpg", processed.thumb, "image/jpeg")
    photo = Photo(sha256=sha, uploader_id=user.id, size=len(data), width=processed.width,
                  height=processed.height, format=processed.format, phash=processed.phash,
                  taken_at=processed.taken_at, gps=processed.gps)
    db.session.add(photo)
    _forget(upload)
    db.session.commit()
    for key in media.list(_parts_prefix(sha)):
        media.delete(key)
    return 201, describe(photo)


def describe(photo: Photo) -> dict:
    return {"sha256": photo.sha256, "status": "complete", "width": photo.width, "height": photo.height,
            "format": photo.format, "phash": photo.phash, "taken_at": photo.taken_at, "size": photo.size}


def referenced(data: dict | None) -> list[str]:
    """The photos a record's data references, in field order."""
    if not data:
        return []
    return [h for f in PHOTO_FIELDS for h in (data.get(f) or []) if isinstance(h, str)]


def with_pending(records: list) -> list[tuple[object, list[str]]]:
    """Each record with the photos it references that have not been uploaded yet (one query)."""
    refs = [referenced(r.data) for r in records]
    pending = pending_of(set().union(*refs))
    return [(r, [h for h in hashes if h in pending]) for r, hashes in zip(records, refs)]


def update_refs(changes: list[tuple[str, str, dict | None, dict]]) -> None:
    """Keep ``photo_refs`` in step with records written: ``(entity, id, old data, new data)``."""
    added, removed = [], []
    for entity, entity_id, old, new in changes:
        before, after = set(referenced(old)), set(referenced(new))
        added.extend({"sha256": h, "entity": entity, "entity_id": entity_id} for h in after - before)
        removed.extend((h, entity, entity_id) for h in before - after)
    if removed:
        db.session.execute(delete(PhotoRef).where(
            tuple_(PhotoRef.sha256, PhotoRef.entity, PhotoRef.entity_id).in_(removed)))
    if added:
        insert_many(PhotoRef.__table__, added)


def _referenced_by_visible_record(scope, sha: str) -> bool:
    referencing = select(Record.entity_id).join(
        PhotoRef, and_(PhotoRef.entity == Record.entity, PhotoRef.entity_id == Record.entity_id)
    ).where(PhotoRef.sha256 == sha)
    if db.session.execute(scope.filter_records(referencing).limit(1)).first():
        return True
    if scope.department_id is None:
        return False
    # A department reads the photos of the reports inside tickets dispatched to it.
    report_ids = select(PhotoRef.entity_id).where(PhotoRef.sha256 == sha, PhotoRef.entity == "report")
    for (data,) in db.session.execute(
        select(Record.data).where(Record.entity == "report", Record.entity_id.in_(report_ids)).limit(50)
    ):
        ticket = db.session.get(Record, ("ticket", data.get("ticket_id") or ""))
        if ticket is not None and ticket.department_id == scope.department_id:
            return True
    return False


def read_photo(user, scope, sha: str, size: str) -> bytes:
    """A rendition, for the uploader or whoever may read a record that references it."""
    check_sha(sha)
    photo = db.session.get(Photo, sha)
    if photo is None:
        raise ApiError(404, "not_found", "No such photo (it may not be uploaded yet).")
    if photo.uploader_id != user.id and not scope.is_admin and not _referenced_by_visible_record(scope, sha):
        raise ApiError(404, "not_found", "No such photo (it may not be uploaded yet).")
    try:
        return storage().get(f"photos/{sha}/{size}.jpg")
    except MediaNotFound as exc:
        raise ApiError(404, "not_found", "The rendition is missing from storage.") from exc


def pending_of(hashes: set[str]) -> set[str]:
    """Which of these photo hashes have not been uploaded yet."""
    if not hashes:
        return set()
    have = set(db.session.execute(select(Photo.sha256).where(Photo.sha256.in_(list(hashes)))).scalars())
    return hashes - have
