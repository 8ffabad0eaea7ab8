"""Photo access by hash: holding a photo, not knowing its hash, is what lets a record share it.

A hash is no secret, so a stored photo the caller may not read answers exactly
as a missing one, uploading its whole bytes makes the caller one of its
holders, and a record lists a photo for its readers only once whoever listed
it there holds it (docs/PROTOCOL.md §11; server/services/photo_access.py).
"""

from __future__ import annotations

import hashlib

import pytest

from server.extensions import db
from tests.api.sync_helpers import SyncSession, report
from tests.photos.conftest import encode, photographic

# Users of the demo district who cannot see grid 1: other grids of street 1,
# street 2, its supervisor, every department.
OUTSIDE_GRID_1 = ["g2-1", "g2-2", "g4-6", "g5-3", "g8-1", "street2", "dept1", "dept2", "dept4"]
# Who sees grid 1's records besides the uploader g1-2.
GRID_1_READERS = ["g1-1", "g1-3", "g1-6", "street1"]


@pytest.fixture(scope="module")
def photo() -> bytes:
    return encode(photographic(900, 700, seed=21), "JPEG", quality=90)


@pytest.fixture(scope="module")
def never_uploaded() -> bytes:
    """Another photo of the same size class, which no test stores: the "missing" to compare with."""
    return encode(photographic(900, 700, seed=22), "JPEG", quality=90)


@pytest.fixture(scope="module")
def second_photo() -> bytes:
    return encode(photographic(700, 900, seed=23), "JPEG", quality=90)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def put(client, headers, data, *, digest=None, offset=None, length=None):
    extra = {}
    if offset is not None:
        extra["Upload-Offset"] = str(offset)
    if length is not None:
        extra["Upload-Length"] = str(length)
    return client.put(f"/api/photos/{digest or sha(data)}", data=data, headers={**headers, **extra},
                      content_type="image/jpeg")


def head(client, headers, digest):
    response = client.head(f"/api/photos/{digest}", headers=headers)
    return response.status_code, response.headers.get("Photo-Status"), response.headers.get("Upload-Offset")


def get(client, headers, digest):
    response = client.get(f"/api/photos/{digest}?size=thumb", headers=headers)
    return response.status_code, response.get_json(silent=True)


def readable(client, headers, digest) -> bool:
    return client.get(f"/api/photos/{digest}?size=thumb", headers=headers).status_code == 200


def stored_keys(app):
    from server.services.photos import storage

    with app.test_request_context():
        return storage().list("")


def holders(app, digest):
    from server.models import PhotoHolder, User

    with app.app_context():
        return set(db.session.execute(
            db.select(User.username).join(PhotoHolder, PhotoHolder.user_id == User.id)
            .where(PhotoHolder.sha256 == digest)
        ).scalars())


def pending(session: SyncSession, entity_id: str, entity: str = "report") -> list[str]:
    session.cursor = None
    return session.pull_all()[(entity, entity_id)].get("pending_photos", [])


def test_a_stored_photo_answers_everyone_who_may_not_read_it_exactly_as_a_missing_one(
        client, auth, photo, never_uploaded):
    digest, missing = sha(photo), sha(never_uploaded)
    uploader = SyncSession(client, auth, "g1-2")
    assert put(client, uploader.headers, photo).status_code == 201
    # Stored, but listed on no record yet: only its uploader may read it.
    for name in OUTSIDE_GRID_1 + GRID_1_READERS:
        h = auth.headers(name)
        assert head(client, h, digest) == head(client, h, missing) == (404, "missing", "0"), name
        assert get(client, h, digest) == get(client, h, missing), name
        assert get(client, h, digest)[0] == 404
    uploader.push(uploader.mutation("report", "create", report(photos=[digest])))
    for name in GRID_1_READERS:
        assert head(client, auth.headers(name), digest) == (200, "complete", "0"), name
        assert readable(client, auth.headers(name), digest), name
    for name in OUTSIDE_GRID_1:
        h = auth.headers(name)
        assert head(client, h, digest) == head(client, h, missing) == (404, "missing", "0"), name
        assert get(client, h, digest) == get(client, h, missing), name
        # A first chunk goes in as it would for a photo nobody has.
        answers = [put(client, h, data[:20_000], digest=d, offset=0, length=len(data))
                   for data, d in ((photo, digest), (never_uploaded, missing))]
        assert [(r.status_code, r.headers.get("Upload-Offset"), r.headers.get("Photo-Status")) for r in answers] \
            == [(204, "20000", "partial")] * 2, name
        assert head(client, h, digest) == head(client, h, missing) == (404, "partial", "20000"), name


def test_the_whole_bytes_of_a_stored_photo_make_another_user_a_holder_without_a_second_copy(
        app, client, auth, photo):
    digest = sha(photo)
    first = put(client, auth.headers("g1-2"), photo)
    assert first.status_code == 201
    again = put(client, auth.headers("g5-3"), photo)
    assert again.status_code == 201 and again.get_json() == first.get_json()
    half = len(photo) // 2
    assert put(client, auth.headers("dept3"), photo[:half], digest=digest, offset=0,
               length=len(photo)).status_code == 204
    chunked = put(client, auth.headers("dept3"), photo[half:], digest=digest, offset=half, length=len(photo))
    assert chunked.status_code == 201 and chunked.get_json() == first.get_json()
    for name in ("g1-2", "g5-3", "dept3"):
        assert head(client, auth.headers(name), digest) == (200, "complete", "0"), name
        assert get(client, auth.headers(name), digest)[0] == 200
    assert holders(app, digest) == {"g1-2", "g5-3", "dept3"}
    assert stored_keys(app) == [f"photos/{digest}/display.jpg", f"photos/{digest}/thumb.jpg"]
    from server.models import Photo, User

    with app.app_context():
        [stored] = db.session.query(Photo).all()
        assert db.session.get(User, stored.uploader_id).username == "g1-2"


def test_wrong_bytes_under_a_stored_photos_hash_prove_nothing(app, client, auth, photo, second_photo):
    digest = sha(photo)
    put(client, auth.headers("g1-2"), photo)
    for name in ("g2-2", "street2", "dept1"):
        for data in (second_photo, photo[:-1] + b"\x00", photo + b"\x00"):
            response = put(client, auth.headers(name), data, digest=digest)
            assert response.status_code == 422 and response.get_json()["error"]["code"] in (
                "hash_mismatch", "too_long"), (name, response.get_json())
        assert head(client, auth.headers(name), digest) == (404, "missing", "0")
    assert holders(app, digest) == {"g1-2"}
    assert [k for k in stored_keys(app) if k.startswith("partial/")] == []


def test_someone_elses_partial_upload_is_neither_seen_nor_in_the_way(app, client, auth, photo):
    digest, total = sha(photo), len(photo)
    first, second = auth.headers("g1-2"), auth.headers("g2-2")
    assert put(client, first, photo[:40_000], digest=digest, offset=0, length=total).status_code == 204
    assert head(client, second, digest) == (404, "missing", "0")
    response = put(client, second, photo[:30_000], digest=digest, offset=0, length=total)
    assert (response.status_code, response.headers["Upload-Offset"]) == (204, "30000")
    assert head(client, first, digest) == (404, "partial", "40000")
    assert head(client, second, digest) == (404, "partial", "30000")
    assert put(client, first, photo[40_000:], digest=digest, offset=40_000, length=total).status_code == 201
    # Stored now, by someone else: the second user still sees only their own upload.
    assert head(client, second, digest) == (404, "partial", "30000")
    assert put(client, second, photo[30_000:], digest=digest, offset=30_000, length=total).status_code == 201
    assert head(client, second, digest) == (200, "complete", "0")
    assert [k for k in stored_keys(app) if k.startswith("partial/")] == []


@pytest.mark.parametrize("listed_first", [False, True], ids=["stored-first", "listed-first"])
def test_listing_a_hash_one_never_uploaded_makes_the_photo_readable_to_no_one_new(
        client, auth, photo, listed_first):
    digest = sha(photo)
    owner, stranger = SyncSession(client, auth, "g1-2"), SyncSession(client, auth, "g5-3")
    listed = stranger.mutation("report", "create", report(grid_id=5, photos=[digest]))
    other = stranger.mutation("report", "create", report(grid_id=5))
    if listed_first:
        stranger.push(listed, other)
    put(client, owner.headers, photo)
    owner.push(owner.mutation("report", "create", report(photos=[digest])))
    if not listed_first:
        stranger.push(listed, other)
    stranger.push(stranger.mutation("report", "update", {"after_photos": [digest]},
                                    entity_id=other["entity_id"], base_version=1))
    for name in ("g5-3", "g5-1", "g5-6", "street2", "dept2"):
        assert not readable(client, auth.headers(name), digest), name
        assert head(client, auth.headers(name), digest) == (404, "missing", "0"), name
    assert pending(stranger, listed["entity_id"]) == [digest]
    assert pending(stranger, other["entity_id"]) == [digest]
    listing = client.get("/api/reports", query_string={"grid": 5}, headers=auth.headers("g5-1")).get_json()
    assert {item["id"]: item["pending_photos"] for item in listing["items"]} == {
        listed["entity_id"]: [digest], other["entity_id"]: [digest]}
    # The owner's team is not affected.
    assert all(readable(client, auth.headers(name), digest) for name in GRID_1_READERS)


def test_the_lister_shares_the_photo_once_they_upload_its_bytes(client, auth, photo):
    digest = sha(photo)
    owner, lister = SyncSession(client, auth, "g1-2"), SyncSession(client, auth, "g5-3")
    put(client, owner.headers, photo)
    listed = lister.mutation("report", "create", report(grid_id=5, photos=[digest]))
    lister.push(listed)
    assert not readable(client, auth.headers("g5-1"), digest)
    assert put(client, lister.headers, photo).status_code == 201
    for name in ("g5-3", "g5-1", "g5-6", "street2"):
        assert readable(client, auth.headers(name), digest), name
    assert pending(lister, listed["entity_id"]) == []
    for name in ("g3-2", "g6-1", "street1", "dept2"):
        assert not readable(client, auth.headers(name), digest), name


def test_a_phone_that_listed_a_photo_before_it_could_read_it_is_still_asked_for_the_bytes(client, auth, photo):
    digest = sha(photo)
    early, teammate = SyncSession(client, auth, "g5-3"), SyncSession(client, auth, "g5-2")
    listed = early.mutation("report", "create", report(grid_id=5, photos=[digest]))
    early.push(listed)
    put(client, teammate.headers, photo)
    teammate.push(teammate.mutation("report", "create", report(grid_id=5, photos=[digest])))
    # Readable through the teammate's report, yet its own report waits for its bytes:
    # HEAD must not let the phone drop them.
    assert readable(client, early.headers, digest)
    assert head(client, early.headers, digest) == (404, "missing", "0")
    assert pending(early, listed["entity_id"]) == [digest]
    assert put(client, early.headers, photo).status_code == 201
    assert head(client, early.headers, digest) == (200, "complete", "0")
    assert pending(early, listed["entity_id"]) == []
    # A reader who lists it nowhere has nothing to send.
    assert head(client, auth.headers("g5-1"), digest) == (200, "complete", "0")
    assert put(client, auth.headers("g5-1"), photo[:1000], offset=0, length=len(photo),
               digest=digest).status_code == 200


@pytest.mark.parametrize("upload_first", [True, False], ids=["upload-first", "mutation-first"])
def test_the_uploaders_own_photo_reaches_the_team_whichever_arrives_first(client, auth, photo, upload_first):
    digest = sha(photo)
    phone = SyncSession(client, auth, "g1-2")
    created = phone.mutation("report", "create", report(photos=[digest]))
    if upload_first:
        assert put(client, phone.headers, photo).status_code == 201
        phone.push(created)
    else:
        phone.push(created)
        assert pending(phone, created["entity_id"]) == [digest]
        assert not any(readable(client, auth.headers(name), digest) for name in GRID_1_READERS)
        # Days later, back in signal: HEAD first, as the app does, then the bytes.
        assert head(client, phone.headers, digest) == (404, "missing", "0")
        assert put(client, phone.headers, photo).status_code == 201
    assert pending(phone, created["entity_id"]) == []
    for name in GRID_1_READERS:
        assert readable(client, auth.headers(name), digest), name
    assert not any(readable(client, auth.headers(name), digest) for name in OUTSIDE_GRID_1)


def _dispatched_ticket(client, auth, report_ids, *, grid, department):
    lead, street = auth.headers(f"g{grid}-1"), auth.headers("street1" if grid <= 4 else "street2")
    response = client.post("/api/tickets", json={"report_ids": report_ids, "title": "井盖破损",
                                                 "category": "facilities_damage", "severity": 2}, headers=lead)
    assert response.status_code in (200, 201), response.get_json()
    ticket = response.get_json()
    for op, body, who in (("submit", {}, lead), ("approve", {}, street),
                          ("dispatch", {"department": department}, street)):
        response = client.post(f"/api/tickets/{ticket['id']}/{op}", json=body, headers=who)
        assert response.status_code == 200, response.get_json()
    return ticket["id"]


def test_a_department_reads_only_the_photos_a_reports_author_holds(client, auth, photo, second_photo):
    foreign, own = sha(photo), sha(second_photo)
    put(client, auth.headers("g1-2"), photo)
    patroller = SyncSession(client, auth, "g5-3")
    put(client, patroller.headers, second_photo)
    m = patroller.mutation("report", "create", report(grid_id=5, photos=[foreign, own], status="needs_handoff"))
    patroller.push(m)
    ticket_id = _dispatched_ticket(client, auth, [m["entity_id"]], grid=5, department=2)
    dept = auth.headers("dept2")
    assert readable(client, dept, own)
    assert not readable(client, dept, foreign)
    assert head(client, dept, foreign) == (404, "missing", "0")
    # The department's own resolution photos: one it holds (uploaded after the
    # resolve reached the server), one it merely names.
    after = encode(photographic(640, 480, seed=24), "JPEG", quality=90)
    for op, body in (("acknowledge", {}), ("resolve", {"note": "已修复", "photos": [sha(after), foreign]})):
        response = client.post(f"/api/tickets/{ticket_id}/{op}", json=body, headers=dept)
        assert response.status_code == 200, response.get_json()
    assert not readable(client, auth.headers("g5-1"), sha(after))
    assert put(client, dept, after).status_code == 201
    for name in ("g5-1", "g5-3", "street2", "dept2"):
        assert readable(client, auth.headers(name), sha(after)), name
        assert not readable(client, auth.headers(name), foreign), name


def test_listing_a_photo_one_may_already_read_lets_the_new_record_share_it(app, client, auth, photo):
    digest = sha(photo)
    owner, teammate = SyncSession(client, auth, "g1-2"), SyncSession(client, auth, "g1-3")
    put(client, owner.headers, photo)
    first = owner.mutation("report", "create", report(photos=[digest]))
    owner.push(first)
    second = teammate.mutation("report", "create", report(photos=[digest]))
    teammate.push(second)
    assert holders(app, digest) == {"g1-2", "g1-3"}
    assert pending(teammate, second["entity_id"]) == []
    owner.push(owner.mutation("report", "update", {"photos": {"remove": [digest]}},
                              entity_id=first["entity_id"], base_version=1))
    assert readable(client, auth.headers("g1-6"), digest)  # through the teammate's report
    # Someone who could not read it lists it too: that makes them hold nothing.
    outsider = SyncSession(client, auth, "g3-2")
    outsider.push(outsider.mutation("report", "create", report(grid_id=3, photos=[digest])))
    assert holders(app, digest) == {"g1-2", "g1-3"}
    assert not readable(client, auth.headers("g3-1"), digest)


def test_the_write_path_may_name_the_pushing_user_instead_of_reading_the_clocks(app, auth, client, photo):
    """``update_refs`` given the push's scope attributes exactly as it does from the stored clocks."""
    from server.models import PhotoRef, User
    from server.services.photo_access import update_refs
    from server.services.scope import scope_for

    digest = sha(photo)
    put(client, auth.headers("g1-2"), photo)
    with app.test_request_context():
        users = {u.username: u for u in db.session.query(User).filter(User.username.in_(["g1-2", "g1-3", "g2-3"]))}
        update_refs([("report", "r-own", None, {"photos": [digest]}),
                     ("report", "r-team", None, {"after_photos": [digest]})], scope_for(users["g1-2"]))
        update_refs([("visit", "v-foreign", None, {"photos": [digest]})], scope_for(users["g2-3"]))
        refs = {(r.entity_id, r.referrer_id) for r in db.session.query(PhotoRef)}
        ids = {name: user.id for name, user in users.items()}
        db.session.commit()
    assert refs == {("r-own", ids["g1-2"]), ("r-team", ids["g1-2"]), ("v-foreign", ids["g2-3"])}
    assert holders(app, digest) == {"g1-2"}


def test_users_uploading_the_same_bytes_at_once_all_come_to_hold_the_one_stored_copy(app, auth, photo):
    import threading

    from tests.conftest import AuthActions

    names = ["g1-2", "g2-2", "g5-3", "dept1"]
    headers = {name: AuthActions(app.test_client()).headers(name) for name in names}
    answers, errors = {}, []
    start = threading.Barrier(len(names))

    def upload(name):
        try:
            client = app.test_client()
            start.wait()
            response = put(client, headers[name], photo)
            answers[name] = (response.status_code, response.get_json())
        except BaseException as exc:  # noqa: BLE001 - surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=upload, args=(name,)) for name in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert {status for status, _ in answers.values()} == {201}, answers
    assert len({str(body) for _, body in answers.values()}) == 1
    assert holders(app, sha(photo)) == set(names)
    assert stored_keys(app) == [f"photos/{sha(photo)}/display.jpg", f"photos/{sha(photo)}/thumb.jpg"]
