"""Serve the built PWA (pwa/dist) at ``/``.

Hashed assets are cached for a year; ``index.html``, the service worker and the
manifest are never cached by HTTP so a new release reaches phones on the next
online start.
"""

from __future__ import annotations

import os

from flask import Blueprint, abort, current_app, send_from_directory
from werkzeug.routing import PathConverter

bp = Blueprint("pwa", __name__)


class AppPathConverter(PathConverter):
    """A path outside ``/api``: the app shell's client-side routes and its assets.

    The catch-all must not match API paths at all, or ``GET /api/auth/login``
    would answer 404 instead of 405 and every API resource would advertise
    ``GET`` in its ``Allow`` header.
    """

    regex = r"(?!api(?:/|$))[^/].*?"


@bp.record_once
def _register_converter(state) -> None:
    state.app.url_map.converters["app_path"] = AppPathConverter


_NO_CACHE = {"index.html", "sw.js", "manifest.webmanifest"}


def _dist() -> str:
    return current_app.config["GRIDWALK_PWA_DIST"]


@bp.route("/", defaults={"path": "index.html"})
@bp.route("/<app_path:path>")
def serve(path: str):
    dist = _dist()
    full = os.path.join(dist, path)
    if not os.path.isfile(full):
        if "." in os.path.basename(path):
            abort(404)
        path = "index.html"  # client-side routes
        if not os.path.isfile(os.path.join(dist, path)):
            abort(404, description="The app is not built; run `make pwa`.")
    response = send_from_directory(dist, path, max_age=0)
    if path in _NO_CACHE:
        response.headers["Cache-Control"] = "no-cache, no-store, must-revalidate"
    elif path.startswith("assets/"):
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
