"""Intake accounts (the 12345 hotline and other systems that hand cases in) and their API keys.

A key is 32 random bytes, shown once when it is made; only its SHA-256 is
stored. A key that long cannot be guessed, so a plain hash (looked up by
equality, unique) is enough — a slow password hash would only slow every
request. Keys are made and revoked by an admin (``/api/intake/keys``) or
the CLI (``flask --app wsgi intake-key``), and both leave an audit entry.
"""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select

from server.errors import DomainError
from server.extensions import db
from server.models import ApiKey, District, IntakeAccount
from server.models.types import utcnow
from server.services.audit import record_audit

KEY_PREFIX = "gw311_"
# The demo district's hotline and its key, made by seed-demo (like the demo passwords: not for production).
DEMO_ACCOUNT = ("hotline-12345", "12345市民热线")
DEMO_KEY = "gw311_demo-12345-hotline-key"


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def ensure_account(code: str, name: str, district_id: int) -> IntakeAccount:
    """The intake account with this code, made if missing (the name and district of an existing one are kept)."""
    account = db.session.execute(select(IntakeAccount).filter_by(code=code)).scalar_one_or_none()
    if account is None:
        if db.session.get(District, district_id) is None:
            raise DomainError("invalid", f"No district {district_id}.", {"district_id": ["No such district."]})
        account = IntakeAccount(code=code, name=name, district_id=district_id)
        db.session.add(account)
        db.session.flush()
    return account


def issue_key(account: IntakeAccount, name: str, created_by: str, *, key: str | None = None) -> tuple[ApiKey, str]:
    """A new key for ``account``: the stored row and the key itself (never stored, shown once).

    ``key`` is for the demo seed only, which needs a key people can type.
    """
    key = key or KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(account_id=account.id, name=name, prefix=key[: len(KEY_PREFIX) + 4], key_hash=key_hash(key),
                 created_by=created_by)
    db.session.add(row)
    db.session.flush()
    record_audit(actor=created_by, action="intake.key_issued", entity="api_key", entity_id=str(row.id),
                 data={"account": account.code, "prefix": row.prefix, "name": name})
    return row, key


def revoke_key(key_id: int, revoked_by: str) -> ApiKey:
    """Revoke a key for good (404 when there is none)."""
    row = db.session.get(ApiKey, key_id)
    if row is None:
        raise DomainError("not_found", f"No API key {key_id}.")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        record_audit(actor=revoked_by, action="intake.key_revoked", entity="api_key", entity_id=str(row.id),
                     data={"prefix": row.prefix})
    return row


def account_for_key(key: str | None) -> IntakeAccount:
    """The active account an unrevoked key belongs to; 403 for anything else (a missing key too)."""
    if not key:
        raise DomainError("forbidden", "An api_key of an intake account is required.")
    row = db.session.execute(select(ApiKey).where(ApiKey.key_hash == key_hash(key))).scalar_one_or_none()
    if row is None or row.revoked_at is not None or not row.account.active:
        raise DomainError("forbidden", "This api_key is not valid.")
    return row.account


def note_use(key: str) -> None:
    """Remember when a key was last used (on writes only: a read need not write)."""
    row = db.session.execute(select(ApiKey).where(ApiKey.key_hash == key_hash(key))).scalar_one_or_none()
    if row is not None:
        row.last_used_at = utcnow()


def list_keys() -> list[ApiKey]:
    return list(db.session.execute(select(ApiKey).order_by(ApiKey.id)).scalars())


def seed_demo_intake(district_id: int) -> None:
    """The demo hotline account and its well-known key (idempotent)."""
    code, name = DEMO_ACCOUNT
    account = ensure_account(code, name, district_id)
    exists = db.session.execute(select(ApiKey).where(ApiKey.key_hash == key_hash(DEMO_KEY))).scalar_one_or_none()
    if exists is None:
        issue_key(account, "demo", "seed-demo", key=DEMO_KEY)
