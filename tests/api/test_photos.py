"""Photo uploads over HTTP: resumable, verified, EXIF-free, scoped; bad input leaves nothing."""

from __future__ import annotations

import hashlib
import io
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from tests.api.sync_helpers import SyncSession, report
from tests.photos.conftest import encode, phone_exif, photographic, png_with_declared_size


@pytest.fixture(scope="module")
def phone_jpeg() -> bytes:
    """A phone photo as the app uploads it: 1600 x 1200, held sideways, with GPS and time."""
    return encode(photographic(1600, 1200, seed=7), "JPEG", quality=85, exif=phone_exif(orientation=6))


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


def stored_keys(app):
    from server.services.photos import storage

    with app.test_request_context():
        return storage().list("")


def test_a_photo_uploads_in_one_go_and_is_served_upright_without_exif(client, auth, phone_jpeg):
    h = auth.headers("g1-2")
    digest = sha(phone_jpeg)
    assert client.head(f"/api/photos/{digest}", headers=h).headers["Photo-Status"] == "missing"
    response = put(client, h, phone_jpeg)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["width"], body["height"]) == (1200, 1600)
    assert len(body["phash"]) == 16 and body["taken_at"].startswith("2024-05-17")
    head = client.head(f"/api/photos/{digest}", headers=h)
    assert head.status_code == 200 and head.headers["Photo-Status"] == "complete"
    served = client.get(f"/api/photos/{digest}?size=display", headers=h)
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    image = Image.open(io.BytesIO(served.data))
    assert image.size == (1200, 1600)
    assert not image.getexif()
    thumb = Image.open(io.BytesIO(client.get(f"/api/photos/{digest}?size=thumb", headers=h).data))
    assert max(thumb.size) <= 320
    again = put(client, h, phone_jpeg)
    assert again.status_code == 200


def test_an_upload_resumes_from_the_offset_the_server_reports(app, client, auth, phone_jpeg):
    h = auth.headers("g1-2")
    digest, total = sha(phone_jpeg), len(phone_jpeg)
    first = put(client, h, phone_jpeg[:50_000], digest=digest, offset=0, length=total)
    assert first.status_code == 204 and first.headers["Upload-Offset"] == "50000"
    head = client.head(f"/api/photos/{digest}", headers=h)
    assert head.headers["Photo-Status"] == "partial" and head.headers["Upload-Offset"] == "50000"
    wrong = put(client, h, phone_jpeg[60_000:], digest=digest, offset=60_000, length=total)
    assert wrong.status_code == 409
    assert wrong.get_json()["error"] == {"code": "offset_mismatch", "message": "The upload continues at byte 50000.",
                                         "details": {"expected_offset": 50_000}}
    longer = put(client, h, phone_jpeg[50_000:], digest=digest, offset=50_000, length=total + 1)
    assert longer.status_code == 409
    assert longer.get_json()["error"] == {"code": "length_mismatch",
                                          "message": "Upload-Length differs from the upload's first chunk.",
                                          "details": {"expected_length": total}}
    rest = put(client, h, phone_jpeg[50_000:], digest=digest, offset=50_000, length=total)
    assert rest.status_code == 201, rest.get_json()
    # The chunks and the upload's row are gone once the photo is whole: only its renditions are kept,
    # with what the server alone keeps of the original (where it was taken, never served).
    assert stored_keys(app) == [f"photos/{digest}/display.jpg", f"photos/{digest}/thumb.jpg"]
    from server.extensions import db
    from server.models import Photo, PhotoUpload

    with app.app_context():
        assert db.session.query(PhotoUpload).count() == 0
        photo = db.session.get(Photo, digest)
        assert photo.gps == pytest.approx({"lat": 31 + 13 / 60 + 48.6 / 3600, "lon": 121 + 28 / 60 + 12 / 3600})
        assert photo.created_at is not None
    # Sending it again (a phone that lost the answer) changes nothing and says it is complete.
    again = put(client, h, phone_jpeg)
    assert again.status_code == 200 and again.get_json() == {"sha256": digest, "status": "complete"}


def test_bytes_that_do_not_match_the_hash_are_refused_and_nothing_is_kept(app, client, auth, phone_jpeg):
    h = auth.headers("g1-2")
    response = put(client, h, phone_jpeg, digest="0" * 64)
    assert response.status_code == 422
    assert response.get_json()["error"] == {
        "code": "hash_mismatch", "message": "The uploaded bytes do not match the SHA-256 in the URL."}
    assert client.head(f"/api/photos/{'0' * 64}", headers=h).headers["Photo-Status"] == "missing"
    assert stored_keys(app) == []


def _truncated(phone_jpeg):
    return phone_jpeg[: len(phone_jpeg) // 2]


BAD = {
    "zero bytes": (lambda j: b"", 422, "empty"),
    "truncated jpeg": (_truncated, 422, "truncated"),
    "html posing as jpeg": (lambda j: b"<!doctype html><html><body>hi</body></html>", 415, "not_an_image"),
    "svg posing as jpeg": (lambda j: b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>', 415,
                           "not_an_image"),
    "png decompression bomb": (lambda j: png_with_declared_size(60_000, 60_000), 422, "too_many_pixels"),
}


MESSAGES = {
    "empty": "The photo is empty.",
    "truncated": "The photo file is incomplete; the upload was probably cut off. Please send it again.",
    "not_an_image": "The upload is not an image (JPEG, PNG or WebP).",
    "too_many_pixels": "The photo has far too many pixels to be processed safely.",
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_images_get_a_clear_4xx_and_store_nothing(app, client, auth, phone_jpeg, case):
    make, status, code = BAD[case]
    data = make(phone_jpeg)
    response = put(client, auth.headers("g1-2"), data)
    assert response.status_code == status, response.get_json()
    assert response.get_json()["error"]["code"] == code
    # The pipeline's own words reach the phone, which shows them.
    assert response.get_json()["error"]["message"] == MESSAGES[code]
    assert stored_keys(app) == []
    from server.extensions import db
    from server.models import Photo, PhotoUpload

    with app.app_context():
        assert db.session.query(Photo).count() == 0 and db.session.query(PhotoUpload).count() == 0


class TestSmallLimit:
    @pytest.fixture
    def app_config(self):
        return {"GRIDWALK_PHOTO_MAX_BYTES": 20_000}

    def test_an_oversized_body_is_a_413(self, app, client, auth, phone_jpeg):
        response = put(client, auth.headers("g1-2"), phone_jpeg)
        assert response.status_code == 413
        assert response.get_json()["error"]["code"] == "too_large"
        assert stored_keys(app) == []

    def test_an_upload_announcing_more_than_the_limit_is_refused_at_its_first_chunk(self, app, client, auth,
                                                                                   phone_jpeg):
        response = put(client, auth.headers("g1-2"), phone_jpeg[:1000], digest=sha(phone_jpeg), offset=0,
                       length=20_001)
        assert response.status_code == 413
        assert response.get_json()["error"] == {"code": "too_large",
                                                 "message": "Photos may be at most 20000 bytes."}
        assert stored_keys(app) == []

    def test_an_upload_of_exactly_the_limit_is_taken(self, client, auth):
        h = auth.headers("g1-2")
        first = put(client, h, b"\xff" * 1000, digest="b" * 64, offset=0, length=20_000)
        assert first.status_code == 204 and first.headers["Upload-Offset"] == "1000"

    def test_the_largest_byte_count_a_header_may_carry_is_read_as_a_number(self, client, auth):
        # 2**63 - 1 is a byte count (far too large a photo), not a malformed header.
        response = put(client, auth.headers("g1-2"), b"\xff" * 10, digest="c" * 64, offset=0,
                       length=2**63 - 1)
        assert response.status_code == 413 and response.get_json()["error"]["code"] == "too_large"


def test_more_bytes_than_announced_are_refused_and_the_upload_starts_over(app, client, auth, phone_jpeg):
    h = auth.headers("g1-2")
    digest, total = sha(phone_jpeg), len(phone_jpeg)
    assert put(client, h, phone_jpeg[:50_000], digest=digest, offset=0, length=total).status_code == 204
    over = put(client, h, phone_jpeg[50_000:] + b"extra", digest=digest, offset=50_000, length=total)
    assert over.status_code == 422
    assert over.get_json()["error"] == {"code": "too_long",
                                        "message": "More bytes arrived than Upload-Length announced."}
    # What had arrived is dropped with it: the upload starts again from byte 0.
    assert stored_keys(app) == []
    assert client.head(f"/api/photos/{digest}", headers=h).headers["Photo-Status"] == "missing"
    assert put(client, h, phone_jpeg).status_code == 201


def test_a_malformed_hash_is_not_a_photo(client, auth):
    assert client.head("/api/photos/not-a-hash", headers=auth.headers("g1-2")).status_code == 404
    assert client.get("/api/photos/ABC", headers=auth.headers("g1-2")).get_json()["error"]["code"] == "not_found"


def test_a_bad_offset_header_is_a_400(client, auth, phone_jpeg):
    response = client.put(f"/api/photos/{sha(phone_jpeg)}", data=phone_jpeg,
                          headers={**auth.headers("g1-2"), "Upload-Offset": "-5"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_header"


# Strings str.isdigit() or int() take that are no ASCII byte count, and ASCII ones out of range.
NOT_BYTE_COUNTS = ["²", "³", "¹²", "1²", "٣", "١٢٣", "१२", "൬", "１２", "𝟠", "½", "①", "٠", "-0", "+5", " 12",
                   "12 ", "1_000", "0x10", "1e3", "1.0", str(2**63), "9" * 20, "9" * 5000]


@pytest.mark.parametrize("header", ["Upload-Offset", "Upload-Length"])
@pytest.mark.parametrize("value", NOT_BYTE_COUNTS, ids=range(len(NOT_BYTE_COUNTS)))
def test_a_byte_count_header_in_anything_but_ascii_digits_in_range_is_a_400(client, auth, phone_jpeg, header, value):
    response = client.put(f"/api/photos/{sha(phone_jpeg)}", data=phone_jpeg[:1000],
                          headers={**auth.headers("g1-2"), header: value})
    assert response.status_code == 400, response.get_data()
    assert response.get_json()["error"]["code"] == "invalid_header"
    assert response.get_json()["error"]["details"] == {header: ["Not a byte count."]}
    assert response.get_json()["error"]["message"] == f"{header} must be a non-negative integer in ASCII digits."


@pytest.mark.parametrize("header", ["Upload-Offset", "Upload-Length"])
def test_an_empty_byte_count_header_counts_as_absent(client, auth, phone_jpeg, header):
    response = client.put(f"/api/photos/{sha(phone_jpeg)}", data=phone_jpeg,
                          headers={**auth.headers("g1-2"), header: ""}, content_type="image/jpeg")
    assert response.status_code == 201, response.get_json()


# Header text: anything a header line can carry (no line breaks), rich in
# characters Python counts as digits or numerals.
NUMERALS = [chr(c) for c in range(0x20000) if chr(c).isdigit() or chr(c).isnumeric()]
HEADER_TEXT = st.text(st.sampled_from(NUMERALS) | st.characters(blacklist_characters="\r\n"), max_size=25)
BYTE_COUNT_HEADER = st.none() | HEADER_TEXT | st.integers(-(2**70), 2**70).map(str)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(offset=BYTE_COUNT_HEADER, length=BYTE_COUNT_HEADER)
def test_no_byte_count_headers_make_a_500(client, auth, offset, length):
    headers = {**auth.headers("g1-2")}
    for name, value in (("Upload-Offset", offset), ("Upload-Length", length)):
        if value is not None:
            headers[name] = value
    chunk = b"\xff\xd8" + b"x" * 998
    response = client.put(f"/api/photos/{sha(b'a whole photo')}", data=chunk, headers=headers)
    assert 200 <= response.status_code < 500, (offset, length, response.get_data())
    if response.status_code >= 400:
        assert response.get_json()["error"]["code"]
    ascii_count = re.compile(r"[0-9]+")
    if any(v not in (None, "") and not (ascii_count.fullmatch(v) and int(v) < 2**63) for v in (offset, length)):
        assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_header"


def test_photos_are_readable_through_the_records_that_use_them_and_no_one_else(client, auth, phone_jpeg):
    uploader = SyncSession(client, auth, "g1-2")
    digest = sha(phone_jpeg)
    put(client, uploader.headers, phone_jpeg)
    outsider = auth.headers("g2-2")
    teammate = auth.headers("g1-3")
    assert client.get(f"/api/photos/{digest}", headers=teammate).status_code == 404
    uploader.push(uploader.mutation("report", "create", report(photos=[digest])))
    assert client.get(f"/api/photos/{digest}", headers=teammate).status_code == 200
    assert client.get(f"/api/photos/{digest}", headers=auth.headers("street1")).status_code == 200
    assert client.get(f"/api/photos/{digest}", headers=outsider).status_code == 404
    assert client.get(f"/api/photos/{digest}", headers=auth.headers("dept1")).status_code == 404


def test_pull_says_which_referenced_photos_are_pending(client, auth, phone_jpeg):
    a = SyncSession(client, auth, "g1-2")
    digest = sha(phone_jpeg)
    m = a.mutation("report", "create", report(photos=[digest]))
    a.push(m)
    assert a.pull_all()[("report", m["entity_id"])]["pending_photos"] == [digest]
    put(client, a.headers, phone_jpeg)
    a.cursor = None
    assert "pending_photos" not in a.pull_all()[("report", m["entity_id"])]


def test_a_photo_taken_off_its_only_report_is_no_longer_readable_by_the_team(client, auth, phone_jpeg):
    uploader = SyncSession(client, auth, "g1-2")
    digest = sha(phone_jpeg)
    put(client, uploader.headers, phone_jpeg)
    first = uploader.mutation("report", "create", report(photos=[digest]))
    second = uploader.mutation("report", "create", report(photos=[digest]))
    uploader.push(first, second)
    teammate = auth.headers("g1-3")
    uploader.push(uploader.mutation("report", "update", {"photos": {"remove": [digest]}},
                                    entity_id=first["entity_id"], base_version=1))
    assert client.get(f"/api/photos/{digest}", headers=teammate).status_code == 200  # still on the second
    uploader.push(uploader.mutation("report", "update", {"photos": {"remove": [digest]}},
                                    entity_id=second["entity_id"], base_version=1))
    assert client.get(f"/api/photos/{digest}", headers=teammate).status_code == 404
    assert client.get(f"/api/photos/{digest}", headers=uploader.headers).status_code == 200


def test_a_department_reads_the_photos_of_reports_in_a_ticket_dispatched_to_it(client, auth, phone_jpeg):
    patroller = SyncSession(client, auth, "g1-2")
    digest = sha(phone_jpeg)
    put(client, patroller.headers, phone_jpeg)
    m = patroller.mutation("report", "create", report(photos=[digest], status="needs_handoff"))
    patroller.push(m)
    lead, street = auth.headers("g1-1"), auth.headers("street1")
    ticket = client.post("/api/tickets", json={"report_ids": [m["entity_id"]], "title": "井盖破损",
                                               "category": "facilities_damage", "severity": 2},
                         headers=lead).get_json()
    assert client.get(f"/api/photos/{digest}", headers=auth.headers("dept1")).status_code == 404
    for op, body, who in (("submit", {}, lead), ("approve", {}, street), ("dispatch", {"department": 1}, street)):
        response = client.post(f"/api/tickets/{ticket['id']}/{op}", json=body, headers=who)
        assert response.status_code == 200, response.get_json()
    assert client.get(f"/api/photos/{digest}", headers=auth.headers("dept1")).status_code == 200
    assert client.get(f"/api/photos/{digest}", headers=auth.headers("dept2")).status_code == 404


def test_an_upload_answers_the_stored_photo_in_full(client, auth, phone_jpeg):
    body = put(client, auth.headers("g1-2"), phone_jpeg).get_json()
    assert body == {"sha256": sha(phone_jpeg), "status": "complete", "width": 1200, "height": 1600,
                    "format": "JPEG", "phash": body["phash"], "taken_at": body["taken_at"],
                    "size": len(phone_jpeg)}


def test_reading_a_photo_nobody_uploaded_or_whose_rendition_is_gone_is_a_404_that_says_which(
        app, client, auth, phone_jpeg):
    h = auth.headers("g1-2")
    missing = client.get(f"/api/photos/{'a' * 64}?size=display", headers=h)
    assert missing.status_code == 404
    assert missing.get_json()["error"] == {"code": "not_found",
                                           "message": "No such photo (it may not be uploaded yet)."}
    patroller = SyncSession(client, auth, "g1-2")
    digest = sha(phone_jpeg)
    put(client, h, phone_jpeg)
    patroller.push(patroller.mutation("report", "create", report(photos=[digest])))
    from server.services.photos import storage

    with app.test_request_context():
        storage().delete(f"photos/{digest}/display.jpg")
    gone = client.get(f"/api/photos/{digest}?size=display", headers=h)
    assert gone.status_code == 404
    assert gone.get_json()["error"] == {"code": "not_found", "message": "The rendition is missing from storage."}
    assert client.get(f"/api/photos/{digest}?size=thumb", headers=h).status_code == 200
