"""Open311 GeoReport v2 under /open311/v2/: services, service requests read out, cases handed in.

Every call needs the ``api_key`` of an intake account (the 12345 hotline …):
reports are field records of a district, not public. Answers are JSON, or
XML as the specification lays it out (``.xml``). Errors in JSON keep this
API's one shape (``{"error": {...}}``); in XML the specification's
``<errors><error><code/><description/></error></errors>``.
"""

from __future__ import annotations

import os

from flask import Response, current_app, jsonify, request
from flask_smorest import Blueprint
from werkzeug.exceptions import HTTPException

from server.errors import DomainError, domain_error_response, error_response
from server.extensions import limiter
from server.schemas.open311 import LangOnlySchema, RequestPostSchema, RequestQuerySchema
from server.services import intake, open311
from server.services.intake_keys import account_for_key, note_use

blp = Blueprint("open311", __name__, url_prefix="/open311/v2", description="Open311 GeoReport v2")

FORMATS = ("json", "xml")
XML = "text/xml; charset=utf-8"


def _format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise DomainError("not_found", f"No format {fmt!r}: json or xml.")
    return fmt


def _lang(args: dict) -> str:
    return args.get("lang") or request.accept_languages.best_match(("zh-CN", "en")) or "zh-CN"


def _answer(fmt: str, rows: list[dict], to_xml, status: int = 200, headers: dict | None = None):
    if fmt == "xml":
        return Response(to_xml(rows), status=status, content_type=XML, headers=headers)
    response = jsonify(rows)
    response.status_code = status
    response.headers.update(headers or {})
    return response


def _key(args: dict) -> str | None:
    return args.get("api_key") or request.args.get("api_key")


@blp.errorhandler(DomainError)
def _api_error(err: DomainError):
    if (request.view_args or {}).get("fmt") == "xml":
        return Response(open311.errors_xml(err.status, err.message), status=err.status, content_type=XML)
    return domain_error_response(err)


@blp.errorhandler(HTTPException)
def _http_error(err: HTTPException):
    if (request.view_args or {}).get("fmt") == "xml":
        return Response(open311.errors_xml(err.code or 500, err.description or err.name), status=err.code or 500,
                        content_type=XML)
    return error_response(err)


@blp.route("/services.<any(json, xml):fmt>", methods=["GET"])
@blp.arguments(LangOnlySchema, location="query")
def services(args, fmt):
    """Our report categories as Open311 services (service_code is the category code)."""
    _format(fmt)
    account_for_key(_key(args))
    return _answer(fmt, open311.services(_lang(args)), open311.services_xml)


@blp.route("/requests.<any(json, xml):fmt>", methods=["GET"])
@blp.arguments(RequestQuerySchema, location="query")
def list_requests(args, fmt):
    """Service requests of the key's district, newest first: filters service_request_id, service_code,
    status (open|closed), start_date, end_date (default: the last 90 days); page and page_size."""
    _format(fmt)
    account = account_for_key(_key(args))
    rows, total = open311.list_requests(account, args, _lang(args))
    return _answer(fmt, rows, open311.requests_xml, headers={"X-Total-Count": str(total)})


@blp.route("/requests/<request_id>.<any(json, xml):fmt>", methods=["GET"])
@blp.arguments(LangOnlySchema, location="query")
def get_request(args, request_id, fmt):
    """One service request, as a list of one (as the specification answers it)."""
    _format(fmt)
    account = account_for_key(_key(args))
    return _answer(fmt, [open311.get_request(account, request_id, _lang(args))], open311.requests_xml)


@blp.route("/requests.<any(json, xml):fmt>", methods=["POST"])
@limiter.limit(lambda: current_app.config.get("GRIDWALK_OPEN311_POST_LIMIT")
               or os.environ.get("GRIDWALK_OPEN311_POST_LIMIT") or "120 per minute")
@blp.arguments(RequestPostSchema, location="json_or_form")
def post_request(args, fmt):
    """Hand a case in (form-encoded as the specification has it, or JSON); routed by its point to a grid."""
    _format(fmt)
    key = _key(args)
    account = account_for_key(key)
    note_use(key)
    contact = {k: args[k] for k in ("first_name", "last_name", "email", "phone", "device_id") if args.get(k)}
    case = intake.submit(account, {
        "service_code": args["service_code"], "description": args.get("description") or "",
        "lat": args["lat"], "lon": args["long"], "address": args.get("address_string"), "contact": contact,
        "external_id": args.get("account_id"), "media_url": args.get("media_url")})
    zh = _lang(args).startswith("zh")
    notice = (("已转入网格处理" if zh else "Sent to the grid team") if case.grid_id
              else ("不在任何网格内，已转街道分派" if zh else "Outside every grid: queued for the street"))
    rows = [{"service_request_id": case.id, "service_notice": notice, "account_id": args.get("account_id")}]
    return _answer(fmt, rows, open311.requests_xml, status=201)
