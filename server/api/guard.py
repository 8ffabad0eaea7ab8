"""``auth_required``: the decorator every protected view carries."""

from __future__ import annotations

import functools

from server.api.context import authenticate, current_user
from server.errors import DomainError


def auth_required(*roles: str, refresh: bool = False):
    """Require a valid token (and, when given, one of ``roles``); documents bearer auth."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            authenticate(refresh=refresh)
            if roles and current_user().role not in roles:
                raise DomainError("forbidden", "Your role may not do this.")
            return view(*args, **kwargs)

        apidoc = dict(getattr(wrapper, "_apidoc", {}))
        manual = dict(apidoc.get("manual_doc", {}))
        manual["security"] = [{"bearerAuth": []}]
        apidoc["manual_doc"] = manual
        wrapper._apidoc = apidoc
        return wrapper

    return decorate
