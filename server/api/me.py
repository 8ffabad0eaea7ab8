"""The caller: who they are, their team, grid and beat."""

from __future__ import annotations

from flask_smorest import Blueprint

from server.api.context import current_user
from server.api.guard import auth_required
from server.schemas.org import MeSchema

blp = Blueprint("me", __name__, url_prefix="/api", description="The current user")


@blp.route("/me")
@auth_required()
@blp.response(200, MeSchema)
def me():
    """The current user with their role, team, grid and beat (with checkpoints)."""
    user = current_user()
    street = user.street or (user.grid.community.street if user.grid else None)
    return {
        "user": user,
        "grid": user.grid,
        "team": user.team,
        "beat": user.beat,
        "street": {"id": street.id, "code": street.code, "name": street.name} if street else None,
        "department": (
            {"id": user.department.id, "code": user.department.code, "name": user.department.name,
             "name_en": user.department.name_en}
            if user.department else None
        ),
    }
