"""The OpenAPI document (:mod:`core.web.apiv1.openapi`) is the contract: what it does not allow, the server refuses.

- A query parameter that the operation does not declare is a 400, never silently ignored (a
  parameter declared in the document later is accepted without another change here); a text
  parameter is checked against its declared schema (length, pattern, values).
- A JSON body is checked against the operation's request schema (types, lengths, patterns,
  required and unknown fields) before the view applies its own rules (:func:`check_body`).
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

from core.platform.errors import ValidationError
from core.platform.i18n import _, plural
from core.web.apiv1.openapi import PATHS, SCHEMAS

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator

# jsonschema (~3 MB) is imported with the first API request that has something to check.

PREFIX = "/api/v1"
_DOCUMENT_URI = "urn:amphi-api-v1"
#: A route's placeholder, whose regex may hold braces of its own (``{id:[0-9a-f]{32}}``).
PLACEHOLDER = re.compile(r"\{(\w+)(?::(?:[^{}]|\{[^{}]*\})*)?\}")


def document_path(pattern: str) -> str:
    """``/api/v1/videos/{video_id:\\d+}`` -> ``/videos/{video_id}``: the route as the document names it."""
    return PLACEHOLDER.sub(r"{\1}", pattern).removeprefix(PREFIX)


def operation_of(request) -> tuple[dict, dict] | None:
    """``(path item, operation)`` of the document that the request calls, or None when it documents none."""
    route = getattr(request, "matched_route", None)
    if route is None or not route.pattern.startswith(PREFIX + "/"):
        return None
    item = PATHS.get(document_path(route.pattern))
    method = "get" if request.method == "HEAD" else request.method.lower()
    if item is None or method not in item:
        return None
    return item, item[method]


def declared_query(item: dict, operation: dict) -> set[str]:
    return {p["name"] for p in item.get("parameters", []) + operation.get("parameters", []) if p["in"] == "query"}


def text_parameters(item: dict, operation: dict) -> dict[str, dict]:
    """``{name: schema}`` of the query parameters whose values are text (numbers are read by the views)."""
    return {
        p["name"]: p["schema"]
        for p in item.get("parameters", []) + operation.get("parameters", [])
        if p["in"] == "query" and _is_text(p.get("schema", {}))
    }


def _is_text(schema: dict) -> bool:
    return schema.get("type") == "string" or all(isinstance(v, str) for v in schema.get("enum", [0]))


def refuse_undeclared_parameters(event) -> None:
    """ContextFound: a query parameter the document does not declare for this operation, or a text
    value its schema does not allow, is a 400."""
    request = event.request
    found = operation_of(request)
    if found is None:
        return
    unknown = sorted(set(request.GET) - declared_query(*found))
    if unknown:
        raise ValidationError({name: _("This parameter is not part of the API.") for name in unknown})
    from jsonschema import Draft202012Validator

    fields: dict = {}
    for name, schema in text_parameters(*found).items():
        for value in request.GET.getall(name):
            error = next(iter(Draft202012Validator(schema).iter_errors(value)), None)
            if error is not None:
                fields.setdefault(name, _rule_message(error))
    if fields:
        raise ValidationError(fields)


@functools.lru_cache(maxsize=64)
def _validator(schema_name: str) -> Draft202012Validator:
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    registry = Registry().with_resource(_DOCUMENT_URI, Resource.opaque({"components": {"schemas": SCHEMAS}}))
    return Draft202012Validator({"$ref": f"{_DOCUMENT_URI}#/components/schemas/{schema_name}"}, registry=registry)


def body_schema_name(operation: dict) -> str | None:
    schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    return schema.get("$ref", "").rpartition("/")[2] or None


def check_body(request, body) -> None:
    """Refuse (400, a message per field) a JSON body that the operation's documented schema does not allow."""
    found = operation_of(request)
    name = body_schema_name(found[1]) if found is not None else None
    if name is None:
        return
    fields: dict = {}
    for error in _validator(name).iter_errors(body):
        for field, message in _explain(error):
            fields.setdefault(field, message)
    if fields:
        raise ValidationError(fields)


def _explain(error) -> list[tuple[str, object]]:
    """``(field, message)`` for one schema error; the field is the path in the body (``tags/2``)."""
    where = "/".join(str(p) for p in error.absolute_path)
    if error.validator == "required":
        return [
            (f"{where}/{p}".lstrip("/"), _("This field is needed."))
            for p in error.validator_value
            if p not in error.instance
        ]
    if error.validator == "additionalProperties":
        known = error.schema.get("properties", {})
        return [
            (f"{where}/{p}".lstrip("/"), _("This field is not part of the API."))
            for p in error.instance
            if p not in known
        ]
    return [(where or "body", _rule_message(error))]


def _rule_message(error):
    schema, rule = error.schema, error.validator
    messages = {
        "type": lambda: _("A value of the documented type is expected."),
        "enum": lambda: _("One of: ${values}.", mapping={"values": ", ".join(map(str, schema["enum"]))}),
        "maxLength": lambda: plural(
            "At most ${n} character.", "At most ${n} characters.", schema["maxLength"], n=schema["maxLength"]
        ),
        "minLength": lambda: plural(
            "At least ${n} character.", "At least ${n} characters.", schema["minLength"], n=schema["minLength"]
        ),
        "pattern": lambda: _(
            "This value does not have the documented form (${pattern}).", mapping={"pattern": schema["pattern"]}
        ),
        "maxItems": lambda: plural(
            "At most ${n} item.", "At most ${n} items.", schema["maxItems"], n=schema["maxItems"]
        ),
        "minimum": lambda: _("At least ${value}.", mapping={"value": schema["minimum"]}),
        "maximum": lambda: _("At most ${value}.", mapping={"value": schema["maximum"]}),
    }
    explain = messages.get(rule)
    return explain() if explain is not None else _("This value does not follow the API document.")
