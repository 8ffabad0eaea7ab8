"""Log in, refresh, log out and revoke devices.

Tokens are bound to a device: they carry the device id and the device's token
generation. Every authenticated request checks the device row, so revoking a
lost phone (or logging out, which bumps the generation) stops all its tokens at
once, on every worker and host, because the state lives in the database.
The refresh token is long-lived so a phone that stays offline for days is not
logged out by that.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_jwt_extended import create_access_token, create_refresh_token
from sqlalchemy import bindparam, select

from server.errors import DomainError
from server.extensions import db
from server.models import Device, User
from server.models.types import utcnow
from server.services.audit import record_audit
from server.services.passwords import dummy_verify, verify_password
from server.services.write_lock import lock_counter


def _tokens_for(user: User, device: Device) -> dict:
    claims = {"dev": device.id, "gen": device.token_generation, "role": user.role}
    identity = str(user.id)
    return {
        "access_token": create_access_token(identity=identity, additional_claims=claims),
        "refresh_token": create_refresh_token(identity=identity, additional_claims=claims),
    }


def login(username: str, password: str, device_id: str, device_name: str = "") -> tuple[User, dict]:
    """Check the credentials and register the device; answer the two tokens.

    A device id already registered to another user is refused (409
    ``device_in_use``) and nothing about that device changes.
    """
    user = db.session.execute(db.select(User).filter_by(username=username)).scalar_one_or_none()
    if user is None:
        dummy_verify(password)
        raise DomainError("invalid_credentials", "Unknown username or wrong password.")
    if not verify_password(user.password_hash, password):
        raise DomainError("invalid_credentials", "Unknown username or wrong password.")
    if not user.active:
        raise DomainError("account_disabled", "This account is disabled.")
    # The write lock first (the audit entry needs it anyway): two logins
    # claiming one new device id then register it one after the other, and
    # the second sees whose it became.
    counter = lock_counter()
    device = db.session.get(Device, device_id)
    if device is not None and device.user_id != user.id:
        # A device id belongs to the user who registered it. Device ids show in
        # HLC strings that teammates pull, so handing the id over would let
        # anyone with an account log its owner out; nothing is changed here,
        # and the app that meets this makes a new id for the new user.
        raise DomainError("device_in_use", "This device id is registered to another user.")
    if device is not None and device.revoked_at is not None:
        raise DomainError("device_revoked", "This device was revoked by an administrator.")
    if device is None:
        device = Device(id=device_id, user_id=user.id, name=device_name or "")
        db.session.add(device)
    device.last_seen_at = utcnow()
    record_audit(actor=user.username, actor_id=user.id, device_id=device_id, action="login", counter=counter)
    db.session.commit()
    return user, _tokens_for(user, device)


def refresh(user: User, device: Device) -> dict:
    claims = {"dev": device.id, "gen": device.token_generation, "role": user.role}
    return {"access_token": create_access_token(identity=str(user.id), additional_claims=claims)}


def logout(user: User, device: Device) -> None:
    device.token_generation += 1
    record_audit(actor=user.username, actor_id=user.id, device_id=device.id, action="logout")
    db.session.commit()


def revoke_device(admin: User, device_id: str) -> Device:
    device = db.session.get(Device, device_id)
    if device is None:
        raise DomainError("not_found", f"No device {device_id}.")
    if device.revoked_at is None:
        device.revoked_at = utcnow()
        record_audit(
            actor=admin.username, actor_id=admin.id, action="device.revoke",
            entity="device", entity_id=device_id,
        )
    db.session.commit()
    return device


@dataclass(frozen=True)
class TokenCheck:
    """Why a token may no longer be used (``problem``, None when it may), and whose it is."""

    problem: str | None
    device: Device | None = None
    user: User | None = None


# Both rows in one query, built once: this runs before every authenticated request.
_TOKEN_OWNER = select(Device, User).join(User, User.id == Device.user_id).where(Device.id == bindparam("device"))


def check_token(jwt_payload: dict) -> TokenCheck:
    """Check a token's device and user; the request keeps both rather than loading them again."""
    found = db.session.execute(_TOKEN_OWNER, {"device": jwt_payload.get("dev", "")}).first()
    if found is None:
        return TokenCheck("token_revoked")
    device, user = found
    if device.revoked_at is not None:
        return TokenCheck("device_revoked")
    if str(device.user_id) != jwt_payload.get("sub") or device.token_generation != jwt_payload.get("gen"):
        return TokenCheck("token_revoked")
    if not user.active:
        return TokenCheck("token_revoked")
    return TokenCheck(None, device, user)
