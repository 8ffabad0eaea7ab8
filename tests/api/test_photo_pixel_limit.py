"""GRIDWALK_PHOTO_MAX_PIXELS is the limit uploads meet, not only the default's far-off bombs."""

from __future__ import annotations

import hashlib

import pytest

from tests.photos.conftest import encode, photographic, png_with_declared_size

LIMIT = 1_000_000


@pytest.fixture
def app_config():
    return {"GRIDWALK_PHOTO_MAX_PIXELS": LIMIT}


def _put(client, auth, data: bytes):
    digest = hashlib.sha256(data).hexdigest()
    return client.put(f"/api/photos/{digest}", data=data, headers=auth.headers("g1-2"), content_type="image/jpeg")


@pytest.mark.parametrize("width, height", [(1000, 1000), (1250, 800), (800, 1250), (999, 1000)])
def test_a_photo_at_or_under_the_configured_limit_is_accepted(client, auth, width, height):
    assert width * height <= LIMIT
    response = _put(client, auth, encode(photographic(width, height, seed=width), "JPEG", quality=80))
    assert response.status_code == 201, response.get_json()


@pytest.mark.parametrize("width, height", [(1001, 1000), (1000, 1001), (1300, 800), (2000, 600)])
def test_a_photo_just_over_the_configured_limit_is_refused_as_too_many_pixels(client, auth, width, height):
    assert width * height > LIMIT
    response = _put(client, auth, encode(photographic(width, height, seed=width), "JPEG", quality=80))
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "too_many_pixels"


def test_a_declared_size_over_the_limit_is_refused_before_decoding(client, auth):
    response = _put(client, auth, png_with_declared_size(1001, 1000))
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "too_many_pixels"
