"""The request parser behind every ``@blp.arguments``: JSON bodies with bounded nesting.

webargs reads JSON bodies with the standard library, which keeps integers
exact (a 70-bit ``base_version`` stays an integer the write path can refuse,
not a float) but recurses once per nesting level: 50,000 nested brackets raised
``RecursionError`` and answered 500. And a body that parses can still nest
deeper than the code after it copes with (orjson writes at most 254 levels,
the merge copies values recursively). So nesting is bounded here, once, for
every body: deeper than ``MAX_JSON_DEPTH`` is a 400 before any schema or
service sees it. Query strings are held to their schema as bodies are.
"""

from __future__ import annotations

from marshmallow import RAISE
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request

from server.errors import DomainError

# The deepest body the API defines nests five levels (a grid's GeoJSON
# boundary: body, boundary, rings, ring, point); the bound leaves ample room.
MAX_JSON_DEPTH = 32


def _too_deep() -> DomainError:
    return DomainError("too_deep", f"The request body nests deeper than {MAX_JSON_DEPTH} levels.",
                    {"max_depth": MAX_JSON_DEPTH})


def check_depth(value, limit: int = MAX_JSON_DEPTH) -> None:
    """Raise ``DomainError`` (400 ``too_deep``) when ``value`` nests deeper than ``limit`` containers."""
    # Iterative, so checking cannot itself run out of stack.
    stack = [(value, 1)] if isinstance(value, (dict, list)) else []
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            raise _too_deep()
        children = node.values() if isinstance(node, dict) else node
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))


class RequestParser(FlaskParser):
    """webargs' Flask parser, answering a body nested too deep with 400 ``too_deep``.

    A query parameter the endpoint does not define is refused (422) rather than
    ignored, as an unknown body field is: ``?grdi=3`` is a typo the caller
    should hear about, not a silent "every grid".
    """

    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "query": RAISE, "querystring": RAISE}

    def _raw_load_json(self, req):
        if not is_json_request(req):
            return core.missing
        try:
            value = core.parse_json(req.get_data(cache=True))
        except RecursionError as exc:
            raise _too_deep() from exc
        check_depth(value)
        return value
