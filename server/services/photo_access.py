"""Who may read a photo, and what listing one on a record grants.

Photos are addressed by their SHA-256, and a hash is no secret: it travels in
records, pulls, logs and URLs. So a hash proves nothing, and reading rests on
*holding* a photo (``photo_holders``): a user holds it after uploading its
bytes (every uploader, not only the first: the same bytes prove the same), or
after listing it on a record while already able to read it.

A record that lists a photo (``photo_refs``) lets whoever may read the record
read the photo only while the user who listed it there holds it. Until then
the photo is *pending* for that record, exactly as if its bytes had not
arrived: a report listing a hash its author never uploaded shows nothing to
anyone who could not see the photo before. A phone may push its report before
or after uploading the photo, days apart: the reference counts from the moment
both are in.

Who may read a photo:
- an admin, and whoever holds it;
- whoever may read a record that lists it, listed by a holder (the grid's team,
  the supervisors of its street, the department a ticket is dispatched to);
- a department, the photos of the reports inside a ticket dispatched to it.
"""

from __future__ import annotations

from typing import Callable, Iterable

from sqlalchemy import and_, any_, delete, func, select, tuple_

from server.extensions import db
from server.models import Photo, PhotoHolder, PhotoRef, Record, User
from server.models.types import utcnow
from server.schemas.records import PHOTO_FIELDS
from server.services.bulk import insert_many, insert_missing
from server.services.scope import Scope, scope_for
from sync.merge import set_adders

# The fields of synced records that hold photo hashes (add-wins sets).
_CHUNK = 500


def referenced(data: dict | None) -> list[str]:
    """The photos a record's data references, in field order."""
    if not data:
        return []
    return [h for f in PHOTO_FIELDS for h in (data.get(f) or []) if isinstance(h, str)]


def _chunks(items: list, size: int = _CHUNK):
    for start in range(0, len(items), size):
        yield items[start:start + size]


# --- holding ----------------------------------------------------------------


def holds(user_id: int, sha: str) -> bool:
    """Whether the user holds the photo (uploaded its bytes, or listed it while able to read it)."""
    return db.session.get(PhotoHolder, (sha, user_id)) is not None


def hold(sha: str, user_id: int) -> None:
    """Record that the user holds the (stored) photo; holding it already is fine."""
    insert_missing(PhotoHolder.__table__, [{"sha256": sha, "user_id": user_id, "created_at": utcnow()}])


def _granted_refs(*columns):
    """References made by a user who holds the photo: the only ones that let others read it."""
    return select(*(columns or (PhotoRef,))).join(
        PhotoHolder, and_(PhotoHolder.sha256 == PhotoRef.sha256, PhotoHolder.user_id == PhotoRef.referrer_id)
    )


def can_read(scope: Scope, sha: str) -> bool:
    """Whether the user of ``scope`` may read the photo ``sha`` (whose row exists)."""
    return scope.is_admin or holds(scope.user_id, sha) or _listed_on_a_visible_record(scope, sha)


def complete_for(scope: Scope, sha: str) -> bool:
    """Whether HEAD and PUT tell the caller the server has the photo ``sha`` (whose row exists) for them.

    Yes when they hold it, or may read it and list it on no record. A phone
    drops its copy on that answer, and a reference of the caller's counts only
    once they hold the photo: one that listed it before it could read it some
    other way is asked for the bytes, which make its references count.
    """
    if holds(scope.user_id, sha):
        return True
    if not can_read(scope, sha):
        return False
    listed = select(PhotoRef.entity_id).where(PhotoRef.sha256 == sha, PhotoRef.referrer_id == scope.user_id)
    return db.session.execute(listed.limit(1)).first() is None


def _listed_on_a_visible_record(scope: Scope, sha: str) -> bool:
    granted = _granted_refs().where(PhotoRef.sha256 == sha).subquery()
    listing = select(Record.entity_id).join(
        granted, and_(granted.c.entity == Record.entity, granted.c.entity_id == Record.entity_id)
    )
    if db.session.execute(scope.filter_records(listing).limit(1)).first():
        return True
    if scope.department_id is None:
        return False
    # A department reads the photos of the reports inside tickets dispatched to it.
    report_ids = select(granted.c.entity_id).where(granted.c.entity == "report")
    for (data,) in db.session.execute(
        select(Record.data).where(Record.entity == "report", Record.entity_id.in_(report_ids)).limit(50)
    ):
        ticket = db.session.get(Record, ("ticket", data.get("ticket_id") or ""))
        if ticket is not None and ticket.department_id == scope.department_id:
            return True
    return False


# --- references, kept by the write path -------------------------------------------


def update_refs(changes: list[tuple[str, str, dict | None, dict]], scope: Scope | None = None) -> None:
    """Keep ``photo_refs`` in step with records written: ``(entity, id, old data, new data)``.

    A photo newly listed on a record is listed by the user whose push listed
    it: the user of ``scope``, which the write path passes; without it, the
    users whose adds keep the photo on the record, read from its stored clocks
    (so this is called after the records are written). A user who lists a
    photo they may already read comes to hold it.
    """
    added, removed = [], []
    for entity, entity_id, old, new in changes:
        before, after = set(referenced(old)), set(referenced(new))
        added.extend((h, entity, entity_id) for h in sorted(after - before))
        removed.extend((h, entity, entity_id) for h in before - after)
    if removed:
        db.session.execute(delete(PhotoRef).where(
            tuple_(PhotoRef.sha256, PhotoRef.entity, PhotoRef.entity_id).in_(removed)))
    if not added:
        return
    if scope is not None:
        referrers = {key: scope.user_id for key in added}
        scope_of = lambda _user_id: scope  # noqa: E731 - one user pushed them all
    else:
        referrers, scope_of = _referrers_from_clocks(added)
    insert_many(PhotoRef.__table__, [
        {"sha256": h, "entity": e, "entity_id": i, "referrer_id": referrers.get((h, e, i))} for h, e, i in added
    ])
    _hold_what_they_may_read({(h, referrers[(h, e, i)]) for h, e, i in added if referrers.get((h, e, i))},
                             scope_of)


def _referrers_from_clocks(added: list[tuple[str, str, str]]) -> tuple[dict, Callable[[int], Scope]]:
    """Who listed each newly listed photo, by the adds that keep it on its record."""
    wanted: dict[str, set[str]] = {}
    for _sha, entity, entity_id in added:
        wanted.setdefault(entity, set()).add(entity_id)
    clocks = {}
    for entity, ids in wanted.items():
        for chunk in _chunks(sorted(ids)):
            rows = db.session.execute(
                select(Record.entity_id, Record.clocks).where(Record.entity == entity, Record.entity_id.in_(chunk))
            )
            clocks.update({(entity, entity_id): value for entity_id, value in rows})
    adders = {}
    for sha, entity, entity_id in added:
        found = [a for name in PHOTO_FIELDS for a in set_adders(clocks.get((entity, entity_id)) or {}, name, sha)]
        if found:
            # Newly listed, so every add that keeps it came with this push: one user.
            adders[(sha, entity, entity_id)] = found[0]
    users = {u.username: u for u in db.session.execute(
        select(User).where(User.username.in_(sorted(set(adders.values()))))
    ).scalars()} if adders else {}
    referrers = {key: users[name].id for key, name in adders.items() if name in users}
    by_id = {u.id: u for u in users.values()}
    return referrers, lambda user_id: scope_for(by_id[user_id])


def _hold_what_they_may_read(pairs: set[tuple[str, int]], scope_of: Callable[[int], Scope]) -> None:
    """Listing a stored photo one may already read counts as holding it."""
    stored = _existing({sha for sha, _ in pairs})
    candidates = {(sha, user_id) for sha, user_id in pairs if sha in stored}
    if not candidates:  # the usual case: the report was pushed before its photo
        return
    held = set()
    for chunk in _chunks(sorted({sha for sha, _ in candidates})):
        held.update(tuple(row) for row in db.session.execute(
            select(PhotoHolder.sha256, PhotoHolder.user_id).where(PhotoHolder.sha256.in_(chunk))
        ))
    now = utcnow()
    insert_missing(PhotoHolder.__table__, [
        {"sha256": sha, "user_id": user_id, "created_at": now}
        for sha, user_id in sorted(candidates - held) if can_read(scope_of(user_id), sha)
    ])


def _existing(hashes: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(sorted(hashes)):
        found.update(db.session.execute(select(Photo.sha256).where(Photo.sha256.in_(chunk))).scalars())
    return found


# --- pending ---------------------------------------------------------------------------


def with_pending(records: list) -> list[tuple[object, list[str]]]:
    """Each record with the photos it lists that its readers cannot read yet.

    A photo is pending on a record until whoever listed it there holds it: its
    bytes are not uploaded yet, or not by that user.
    """
    refs = [referenced(r.data) for r in records]
    return list(zip(records, pending_among([(r.entity, r.entity_id) for r in records], refs)))


def pending_among(keys: list[tuple[str, str]], refs: list[list[str]]) -> list[list[str]]:
    """For each record, by (entity, entity id), the photos of ``refs`` it lists that are pending on it."""
    granted = _granted_among(set().union(*refs))
    if not granted:
        return refs
    return [[h for h in hashes if (h, entity, entity_id) not in granted]
            for (entity, entity_id), hashes in zip(keys, refs)]


def _granted_among(shas: set[str]) -> set[tuple[str, str, str]]:
    """(hash, entity, entity id) of the granting references to any of ``shas``.

    On PostgreSQL the hashes (hex, so never a comma) go as one comma-separated
    string, split by the server: a pulled page of a thousand reports spelled out as an IN list cost
    more to render, send and parse than the query took to run, and as an array
    parameter the driver's per-element quoting still cost more than the query.
    """
    if not shas:
        return set()
    query = _granted_refs(PhotoRef.sha256, PhotoRef.entity, PhotoRef.entity_id)
    if db.session.get_bind().dialect.name == "postgresql":
        chunks = [query.where(PhotoRef.sha256 == any_(func.string_to_array(",".join(shas), ",")))]
    else:
        chunks = [query.where(PhotoRef.sha256.in_(chunk)) for chunk in _chunks(sorted(shas))]
    return {tuple(row) for chunk in chunks for row in db.session.execute(chunk)}
