"""Walking /api/openapi.json: every operation with the parameters and body fields it takes.

Tests that must cover every endpoint read the list from the document, so an
endpoint added later is covered without anyone remembering to add it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    parameters: tuple[dict, ...]
    body: dict | None  # the JSON request body's schema, $refs resolved at the top

    @property
    def needs_admin(self) -> bool:
        # The admin's resources, and the intake keys and street queue (admins may use both).
        return self.path.startswith(("/api/admin/", "/api/intake/"))

    def url(self, **values) -> str:
        """The path with each ``{name}`` filled from ``values`` or a well-formed stand-in."""
        url = self.path
        for param in self.parameters:
            if param["in"] != "path":
                continue
            name = param["name"]
            value = values.get(name, _stand_in(param["schema"]))
            url = url.replace("{" + name + "}", str(value))
        return url

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"


def _stand_in(schema: dict):
    if schema.get("type") == "integer":
        return 1
    if schema.get("format") == "uuid":
        return uuid.uuid4()
    if "enum" in schema:
        return schema["enum"][0]
    return "f" * 64  # a photo hash, and long enough for a device id


def resolve(doc: dict, node: dict) -> dict:
    """Follow ``$ref`` until a schema that is not a reference."""
    while "$ref" in node:
        *_, kind, name = node["$ref"].split("/")
        node = doc["components"][kind][name]
    return node


def operations(doc: dict) -> list[Operation]:
    """Every operation of the document."""
    found = []
    for path, item in doc["paths"].items():
        shared = item.get("parameters", [])
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            params = tuple(resolve(doc, p) for p in [*shared, *op.get("parameters", [])])
            content = op.get("requestBody", {}).get("content", {}).get("application/json")
            body = resolve(doc, content["schema"]) if content else None
            found.append(Operation(method, path, params, body))
    return found


def request_schemas(doc: dict):
    """Every schema a request may carry, as (where, schema): parameters and body fields, nested ones too."""
    for op in operations(doc):
        for param in op.parameters:
            yield f"{op} {param['in']} {param['name']}", param["schema"]
        if op.body is not None:
            yield from _walk(doc, f"{op} body", op.body, set())


def _walk(doc: dict, where: str, schema: dict, seen: set):
    ref = schema.get("$ref")
    if ref is not None:
        if ref in seen:
            return
        seen = seen | {ref}
        schema = resolve(doc, schema)
    yield where, schema
    for name, prop in schema.get("properties", {}).items():
        if not prop.get("readOnly"):
            yield from _walk(doc, f"{where}.{name}", prop, seen)
    if isinstance(schema.get("items"), dict):
        yield from _walk(doc, f"{where}[]", schema["items"], seen)
    for key in ("allOf", "anyOf", "oneOf"):
        for index, sub in enumerate(schema.get(key, [])):
            yield from _walk(doc, f"{where}<{key}{index}>", sub, seen)


def is_integer(schema: dict) -> bool:
    kind = schema.get("type")
    return kind == "integer" or (isinstance(kind, list) and "integer" in kind)


def is_day(schema: dict) -> bool:
    return schema.get("format") == "date"


def is_week(schema: dict) -> bool:
    return "-W" in schema.get("pattern", "")
