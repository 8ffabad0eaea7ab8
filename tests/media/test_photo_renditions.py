"""Photos uploaded through the API land in S3 as JPEG renditions a browser or CDN can serve."""

from __future__ import annotations

import hashlib

import pytest

from tests.photos.conftest import encode, photographic


@pytest.fixture
def app_config(s3_url):
    return {"GRIDWALK_MEDIA_URL": s3_url}


def test_an_uploaded_photos_renditions_are_stored_as_jpeg(client, auth, s3_admin, s3_bucket):
    data = encode(photographic(800, 600, seed=3), "JPEG", quality=85)
    digest = hashlib.sha256(data).hexdigest()
    response = client.put(f"/api/photos/{digest}", data=data, headers=auth.headers("g1-2"),
                          content_type="image/jpeg")
    assert response.status_code == 201, response.get_json()
    for size in ("display", "thumb"):
        head = s3_admin.head_object(Bucket=s3_bucket, Key=f"media/photos/{digest}/{size}.jpg")
        assert head["ContentType"] == "image/jpeg", size
