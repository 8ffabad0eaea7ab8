"""PostgreSQL writes pull pages itself for callers shown data as stored: the same pages as Python makes.

``pull_page_written_by_postgresql`` must give exactly what ``pull_page_built_here``
gives (rows, order, keys, pending photos, where the next pull starts), for
every caller it serves; departments, who see visits masked, keep the general path.
"""

from __future__ import annotations

import json

import orjson
import pytest

from server.extensions import db
from server.models import User
from server.services.scope import scope_for
from server.services.sync import pull_page_built_here, pull_page_written_by_postgresql
from tests.api.sync_helpers import SyncSession, report
from tests.api.test_photo_access import put, sha
from tests.photos.conftest import encode, photographic


def as_json(changes) -> list[dict]:
    return json.loads(orjson.dumps(changes))


@pytest.fixture
def district(app, database_url, client, auth):
    """Records of grid 1 and grid 2 with photos held, photos not uploaded, photos held by someone else."""
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL writes pull pages only on PostgreSQL")
    alice, bob, other = (SyncSession(client, auth, name) for name in ("g1-2", "g1-3", "g2-2"))
    held = encode(photographic(640, 480, seed=31), "JPEG", quality=85)
    bobs = encode(photographic(480, 640, seed=32), "JPEG", quality=85)
    assert put(client, alice.headers, held).status_code in (200, 201)
    assert put(client, bob.headers, bobs).status_code in (200, 201)
    never = "ab" * 32
    mutations = [
        alice.mutation("report", "create", report(description="井盖破损", photos=[sha(held), never])),
        alice.mutation("report", "create", report(description="别人的照片", photos=[sha(bobs)])),
        alice.mutation("report", "create", report(description="没有照片")),
        alice.mutation("visit", "create", {"visited_at": "2026-11-22T09:00:00+08:00", "place_kind": "household",
                                           "place": "3幢2单元501", "contact_name": "王阿姨",
                                           "contact_phone": "13800000000", "notes": "独居老人"}),
    ]
    assert {r["status"] for r in alice.push(*mutations)["results"]} == {"applied"}
    assert bob.push_one(bob.mutation("report", "update", {"description": "井盖破损，已围挡"},
                                     entity_id=mutations[0]["entity_id"], base_version=1))["status"] == "applied"
    lead = SyncSession(client, auth, "g1-1")
    assert lead.push_one(lead.mutation("report", "delete", entity_id=mutations[2]["entity_id"],
                                       base_version=1))["status"] == "applied"
    assert other.push_one(other.mutation("report", "create", report(description="二网格",
                                                                    photos=[never])))["status"] == "applied"
    return mutations


@pytest.mark.parametrize("username", ["g1-2", "g1-1", "street1", "admin", "g2-2"])
@pytest.mark.parametrize("limit", [1, 2, 500])
def test_postgresql_writes_the_pages_python_would(app, district, username, limit):
    with app.app_context():
        scope = scope_for(db.session.execute(db.select(User).where(User.username == username)).scalar_one())
        pages = {"python": [], "postgresql": []}
        for name, page in (("python", pull_page_built_here), ("postgresql", pull_page_written_by_postgresql)):
            after, newest, more = 0, 10**9, True
            while more:
                changes, last, more = page(scope, after, limit, newest)
                pages[name].append((as_json(changes), last, more))
                after = last
        assert pages["postgresql"] == pages["python"]
        pulled = [c for changes, _, _ in pages["python"] for c in changes]
        assert pulled, "the caller sees records"
        if username.startswith("g1") or username in ("street1", "admin"):
            by_description = {c["data"].get("description"): c for c in pulled}
            assert by_description["井盖破损，已围挡"]["pending_photos"] == ["ab" * 32]
            assert "pending_photos" in by_description["别人的照片"]
            assert any(c["deleted"] for c in pulled)
            assert any(c["data"].get("contact_phone") == "13800000000" for c in pulled)
