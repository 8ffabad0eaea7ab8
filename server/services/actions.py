"""REST actions ("approve this ticket") as mutations through the one write path."""

from __future__ import annotations

import time
import uuid

from server.errors import DomainError
from server.services.sync import apply_mutations
from sync.hlc import format_hlc



def apply_action(user, scope, device_id: str, entity: str, entity_id: str, op: str, data: dict,
                 *, base_version: int | None = None, mutation_id: str | None = None) -> dict:
    """Build one mutation, apply it, and answer its result or raise the matching 4xx.

    Clients may send their own ``mutation_id`` so that a retried request is
    answered ``duplicate`` instead of being applied twice.
    """
    mutation = {
        "id": mutation_id or str(uuid.uuid4()),
        "entity": entity,
        "entity_id": entity_id,
        "op": op,
        "hlc": format_hlc(int(time.time() * 1000), 0, device_id),
        "base_version": base_version,
        "data": data,
    }
    answer = apply_mutations(user, scope, device_id, [mutation])
    result = answer["results"][0]
    if result["status"] == "rejected":
        error = result["error"]
        raise DomainError(error["code"], error["message"], error.get("details"))
    if result["status"] == "conflict":
        raise DomainError("conflict", "A concurrent change won; your change is kept as a conflict.",
                       {"conflict": result.get("conflict")})
    return result
