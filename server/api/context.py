"""Who is calling: the JWT wiring and the current user, device and scope."""

from __future__ import annotations

from flask import g, jsonify
from flask_jwt_extended import get_jwt, verify_jwt_in_request

from server.errors import error_body
from server.extensions import db
from server.models import Device, User
from server.services.auth import check_token
from server.services.scope import Scope, scope_for

_MESSAGES = {
    "token_expired": "The access token has expired; refresh it.",
    "token_revoked": "This session was ended; log in again.",
    "device_revoked": "This device was revoked by an administrator.",
    "invalid_token": "The token is not valid.",
    "unauthorized": "Log in first: send Authorization: Bearer <access token>.",
}


def _unauthorized(code: str):
    # Any problem with the token itself is a 401, so the phone refreshes or logs in again.
    return jsonify(error=error_body(code, _MESSAGES[code])), 401


def register_jwt_callbacks(jwt) -> None:
    @jwt.token_in_blocklist_loader
    def _blocked(_header, payload):
        check = check_token(payload)
        # Kept for the request: the session's identity map holds objects only
        # while something refers to them, and the user and device are asked
        # for again below.
        g.token_check = check
        return check.problem is not None

    @jwt.revoked_token_loader
    def _revoked(_header, _payload):
        check = g.get("token_check")
        return _unauthorized((check and check.problem) or "token_revoked")

    @jwt.expired_token_loader
    def _expired(_header, _payload):
        return _unauthorized("token_expired")

    @jwt.invalid_token_loader
    def _invalid(_reason):
        return _unauthorized("invalid_token")

    @jwt.unauthorized_loader
    def _missing(_reason):
        return _unauthorized("unauthorized")

    @jwt.user_lookup_loader
    def _load_user(_header, payload):
        check = g.get("token_check")
        if check is not None and check.user is not None and str(check.user.id) == payload["sub"]:
            return check.user
        return db.session.get(User, int(payload["sub"]))


def current_user() -> User:
    from flask_jwt_extended import current_user as jwt_user

    return jwt_user


def current_device() -> Device:
    check = g.get("token_check")
    device_id = get_jwt()["dev"]
    if check is not None and check.device is not None and check.device.id == device_id:
        return check.device
    return db.session.get(Device, device_id)


def current_scope() -> Scope:
    if "scope" not in g:
        g.scope = scope_for(current_user())
    return g.scope


def authenticate(refresh: bool = False) -> None:
    verify_jwt_in_request(refresh=refresh)
