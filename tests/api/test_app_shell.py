"""The built PWA is served at ``/`` for every path outside ``/api``, and never in place of an API answer."""

from __future__ import annotations

import pytest


@pytest.fixture
def app_config(tmp_path):
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><title>Gridwalk</title>")
    (dist / "sw.js").write_text("self.addEventListener('fetch', () => {});")
    (dist / "assets" / "app-1a2b.js").write_text("console.log('app');")
    return {"GRIDWALK_PWA_DIST": str(dist)}


@pytest.mark.parametrize("path", ["/", "/today", "/tickets/3f2b8c1e-0000-4000-8000-000000000001", "/apix", "/apis/x"])
def test_a_client_side_route_is_answered_with_the_app_shell(client, path):
    response = client.get(path)
    assert response.status_code == 200 and b"<title>Gridwalk</title>" in response.data
    assert response.headers["Cache-Control"] == "no-cache, no-store, must-revalidate"


def test_hashed_assets_are_cached_for_a_year_and_the_service_worker_never(client):
    asset = client.get("/assets/app-1a2b.js")
    assert asset.status_code == 200 and asset.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert client.get("/sw.js").headers["Cache-Control"] == "no-cache, no-store, must-revalidate"
    assert client.get("/assets/missing.js").status_code == 404


@pytest.mark.parametrize("path", ["/api", "/api/", "/api/nowhere", "/api/tickets/x/y/z"])
def test_an_unknown_api_path_is_a_json_404_not_the_app_shell(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_an_api_resource_answers_a_method_it_lacks_with_405_not_the_app_shell(client):
    response = client.get("/api/sync/push")
    assert response.status_code == 405
    assert {m.strip() for m in response.headers["Allow"].split(",")} == {"OPTIONS", "POST"}
    assert response.get_json()["error"]["code"] == "method_not_allowed"
