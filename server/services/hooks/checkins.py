"""Check-ins: the server measures each one against the grid and the patroller's checkpoints."""

from __future__ import annotations

from server.extensions import db
from server.models import Beat, Grid
from server.services.batch import Batch
from server.services.hooks.base import EntityHooks
from sync.geo import haversine_m, point_in_polygon
from sync.merge import EntityState
from sync.mutation import Mutation

# Check-ins reported with a GPS accuracy worse than this are flagged.
LOW_ACCURACY_M = 100


def server_data(batch: Batch, m: Mutation, state: EntityState | None, grid_id: int) -> dict:
    """Distance to the checkpoint and flags; a check-in is never refused for them."""
    if m.op not in ("create", "update"):
        return {}
    data = {**(state.data if state else {}), **m.data}
    lat, lon = data.get("lat"), data.get("lon")
    flags: list[str] = []
    distance = None
    if lat is None or lon is None:
        flags.append("no_location")
    else:
        if (data.get("accuracy_m") or 0) > LOW_ACCURACY_M:
            flags.append("low_accuracy")
        grid = db.session.get(Grid, grid_id)
        if grid is not None and point_in_polygon(lat, lon, grid.boundary) is False:
            flags.append("outside_grid")
        checkpoint_id = data.get("checkpoint_id")
        if checkpoint_id is not None:
            beat = db.session.execute(
                db.select(Beat).filter_by(user_id=batch.scope.user_id)
            ).scalar_one_or_none()
            checkpoint = next((c for c in (beat.checkpoints if beat else []) if c.id == checkpoint_id), None)
            if checkpoint is None:
                flags.append("not_my_checkpoint")
            else:
                distance = round(haversine_m(lat, lon, checkpoint.lat, checkpoint.lon), 1)
                if distance > checkpoint.radius_m:
                    flags.append("far_from_checkpoint")
    # Flags are replaced as a whole: remove the old ones, add the new ones.
    old = set((state.data.get("flags") or []) if state else [])
    change = {"add": sorted(set(flags) - old), "remove": sorted(old - set(flags))}
    out: dict = {"distance_m": distance}
    if change["add"] or change["remove"]:
        out["flags"] = change
    return out


HOOKS = EntityHooks(server_data=server_data)
