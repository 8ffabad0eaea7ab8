"""Log in, refresh, log out."""

from __future__ import annotations

from flask import current_app, request
from flask_smorest import Blueprint

from server.api.context import current_device, current_user
from server.api.guard import auth_required
from server.extensions import limiter
from server.schemas.auth import AccessTokenSchema, LoginResultSchema, LoginSchema, UserSchema
from server.services import auth as auth_service

blp = Blueprint("auth", __name__, url_prefix="/api/auth", description="Sessions bound to a device")


def _login_username() -> str:
    body = request.get_json(silent=True)
    name = body.get("username") if isinstance(body, dict) else None
    return f"login-user:{name if isinstance(name, str) else ''}"


@blp.route("/login", methods=["POST"])
@limiter.limit(lambda: current_app.config["GRIDWALK_LOGIN_LIMIT_PER_ADDRESS"])
@limiter.limit(
    lambda: current_app.config["GRIDWALK_LOGIN_LIMIT_PER_USER"],
    key_func=_login_username,
    # Only failed attempts count against a username, so a team sharing one
    # huddle wifi address is not locked out by its own successful logins.
    deduct_when=lambda response: response.status_code == 401,
)
@blp.arguments(LoginSchema)
@blp.response(200, LoginResultSchema)
@blp.alt_response(409, description="device_in_use: the device id is registered to another user")
def login(body):
    """Exchange username, password and device id for an access and a refresh token.

    A device id belongs to the user who first logged in with it; another user
    gets 409 ``device_in_use`` and should log in with a new id.
    """
    user, tokens = auth_service.login(
        body["username"], body["password"], body["device_id"], body.get("device_name", "")
    )
    return {**tokens, "user": UserSchema().dump(user)}


@blp.route("/refresh", methods=["POST"])
@auth_required(refresh=True)
@blp.response(200, AccessTokenSchema)
def refresh():
    """A new access token for the refresh token's device (send the refresh token as Bearer)."""
    return auth_service.refresh(current_user(), current_device())


@blp.route("/logout", methods=["POST"])
@auth_required()
@blp.response(204)
def logout():
    """End this device's session: every token issued to it stops working."""
    auth_service.logout(current_user(), current_device())
