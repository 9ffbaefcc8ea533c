"""What the published OpenAPI document states beyond what FastAPI derives from the models.

``finish`` runs once, after ``problems.tidy_openapi``, from ``create_app``'s ``openapi()``:

* an optional query or header parameter is one left out, never JSON null;
* text in query parameters and request bodies holds no control character but tab and line breaks, which
  every route refuses (``remit.text``; a 422 ``text_control_character`` in a body, a 400 in a query);
* a body too large is a 413, whatever the route;
* the links of ``remit.api.links``, which chain customer, document, payment, credit, refund and void.
"""

from __future__ import annotations

from typing import Any

from remit.api import links
from remit.api.problems import PROBLEM
from remit.api.schemas.values import TEXT

# Text as remit.text accepts it: no C0 control but tab, line feed and carriage return, no DEL, no C1 control.
TEXT_PATTERN = TEXT
_VERBS = ("get", "put", "post", "patch", "delete")


def _without_null(schema: dict[str, Any]) -> None:
    """FastAPI spells ``x: str | None = None`` as ``anyOf: [string, null]``, which invites clients (and fuzzers)
    to send the text "null" for a parameter they mean to leave out."""
    choices = [choice for choice in schema.get("anyOf", []) if choice != {"type": "null"}]
    if "anyOf" not in schema or len(choices) == len(schema["anyOf"]):
        return
    del schema["anyOf"]
    if len(choices) == 1:
        schema.update({key: value for key, value in choices[0].items() if key not in schema})
    else:
        schema["anyOf"] = choices


def _add_text_rule(schema: dict[str, Any]) -> None:
    if "pattern" in schema:
        schema.setdefault("allOf", []).append({"pattern": TEXT_PATTERN})
    else:
        schema["pattern"] = TEXT_PATTERN


def _plain_text(schema: Any) -> None:
    """Add the text rule to every free-text string in ``schema`` (not into ``not``, which would turn it over)."""
    if not isinstance(schema, dict):
        return
    if schema.get("type") == "string" and not {"enum", "const", "format"} & schema.keys():
        _add_text_rule(schema)
    if isinstance(schema.get("additionalProperties"), dict):
        # A map's keys are text too (metadata).
        _add_text_rule(schema.setdefault("propertyNames", {}))
        _plain_text(schema["additionalProperties"])
    for member in schema.get("properties", {}).values():
        _plain_text(member)
    _plain_text(schema.get("items"))
    for keyword in ("anyOf", "oneOf", "allOf"):
        for choice in schema.get(keyword, []):
            _plain_text(choice)


def _refs(value: Any) -> set[str]:
    if isinstance(value, dict):
        found = {value["$ref"].rsplit("/", 1)[-1]} if isinstance(value.get("$ref"), str) else set()
        return found.union(*(_refs(item) for item in value.values()))
    if isinstance(value, list):
        return set().union(*(_refs(item) for item in value))
    return set()


def _request_schemas(spec: dict[str, Any]) -> set[str]:
    """The component schemas a request body can contain, directly or through other components."""
    components = spec.get("components", {}).get("schemas", {})
    pending = set().union(*(_refs(operation.get("requestBody", {})) for item in spec.get("paths", {}).values()
                            for verb, operation in item.items() if verb in _VERBS))
    seen: set[str] = set()
    while pending:
        name = pending.pop()
        if name in seen or name not in components:
            continue
        seen.add(name)
        pending |= _refs(components[name])
    return seen


def finish(spec: dict[str, Any]) -> dict[str, Any]:
    for item in spec.get("paths", {}).values():
        for verb, operation in item.items():
            if verb not in _VERBS:
                continue
            for parameter in operation.get("parameters", []):
                _without_null(parameter.get("schema", {}))
                if parameter.get("in") == "query":
                    _plain_text(parameter.get("schema"))
            for content in operation.get("requestBody", {}).get("content", {}).values():
                _plain_text(content.get("schema"))
            if "requestBody" in operation:
                # Every body is bounded before it is read (remit.api.routing.BODY_LIMIT).
                operation["responses"].setdefault("413", {
                    "description": "Request body too large",
                    "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}})
    components = spec.get("components", {}).get("schemas", {})
    for name in _request_schemas(spec):
        _plain_text(components[name])
    links.add(spec)
    return spec
