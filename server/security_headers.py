"""Security headers on every response the app gives.

* ``Content-Security-Policy``: the app shell loads only its own scripts,
  styles, workers and manifest (no inline script, no ``eval``); photos are
  shown from ``blob:`` URLs made on the phone, icons may be ``data:``; nothing
  may frame it. API answers (JSON, photo bytes) load nothing at all.
* ``X-Content-Type-Options: nosniff``: a photo or a JSON answer is never run
  as a script or shown as a page because its bytes look like one.
* ``X-Frame-Options: DENY``: ``frame-ancestors`` for browsers that predate it.
* ``Referrer-Policy: same-origin``: addresses inside the app never leave it.
* ``Strict-Transport-Security`` on answers given over TLS, for
  ``GRIDWALK_HSTS_SECONDS`` (0 turns it off). Behind a reverse proxy that
  ends TLS, the request counts as TLS only when the proxy is trusted
  (``GRIDWALK_TRUSTED_PROXIES``, see :func:`trust_proxies`); otherwise anyone
  could claim it with an ``X-Forwarded-Proto`` header.
"""

from __future__ import annotations

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix

APP_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' blob: data:",
    "font-src 'self'",
    "connect-src 'self'",
    "worker-src 'self'",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
# JSON and photo bytes need nothing loaded on their behalf.
API_POLICY = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
API_PREFIXES = ("/api/", "/open311/")

ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def register_security_headers(app: Flask) -> None:
    """Add the security headers to every response of ``app``."""
    hsts_seconds = app.config["GRIDWALK_HSTS_SECONDS"]
    hsts = f"max-age={hsts_seconds}" if hsts_seconds > 0 else None

    @app.after_request
    def _security_headers(response):
        for name, value in ALWAYS.items():
            response.headers.setdefault(name, value)
        policy = API_POLICY if request.path.startswith(API_PREFIXES) else APP_POLICY
        response.headers.setdefault("Content-Security-Policy", policy)
        if hsts and request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", hsts)
        return response


def trust_proxies(app: Flask) -> None:
    """Believe ``X-Forwarded-For`` and ``-Proto`` from ``GRIDWALK_TRUSTED_PROXIES`` proxies, none by default.

    With one trusted proxy (nginx ending TLS in front of gunicorn), the client
    address that login limits count and the scheme that decides HSTS come
    from that proxy's headers; without it they are the connection's own.
    """
    hops = app.config["GRIDWALK_TRUSTED_PROXIES"]
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
