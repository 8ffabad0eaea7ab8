"""Two members of grid 1 syncing through the test client: g1-2 (alice) and g1-3 (bob)."""

from __future__ import annotations

import pytest

from tests.api.sync_helpers import SyncSession


@pytest.fixture
def alice(client, auth):
    return SyncSession(client, auth, "g1-2")


@pytest.fixture
def bob(client, auth):
    return SyncSession(client, auth, "g1-3")
