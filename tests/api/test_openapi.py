"""The published contract: every /v1 operation documents what it really answers."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from remit.api.app import create_app
from remit.api.links import LINKS

MUTATING = {"post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def spec(sqlite_engine) -> dict:  # type: ignore[no-untyped-def]
    with TestClient(create_app(engine=sqlite_engine)) as client:
        return client.get("/openapi.json").json()


def operations(spec: dict):  # type: ignore[no-untyped-def]
    for path, item in spec["paths"].items():
        if path.startswith("/v1"):
            for method, operation in item.items():
                yield path, method, operation


def test_every_operation_documents_its_errors_as_problems(spec: dict) -> None:
    for path, method, operation in operations(spec):
        answers = operation["responses"]
        assert {"400", "401"} <= set(answers), (method, path)
        if "{" in path:
            assert "404" in answers, (method, path)
        if "requestBody" in operation and "multipart/form-data" not in operation["requestBody"]["content"]:
            assert "422" in answers, (method, path)
        for status, answer in answers.items():
            if int(status) >= 400:
                assert list(answer["content"]) == ["application/problem+json"], (method, path, status)
        success = [s for s in answers if s.startswith("2")]
        assert success, (method, path)


def test_every_write_takes_an_idempotency_key(spec: dict) -> None:
    for path, method, operation in operations(spec):
        if method in MUTATING and not path.endswith("/preview"):
            headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
            assert "Idempotency-Key" in headers, (method, path)


def test_every_operation_requires_the_bearer_key(spec: dict) -> None:
    for path, method, operation in operations(spec):
        assert operation.get("security"), (method, path)


def _resolve(spec: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    # An optional member is anyOf [its schema, null]: follow the schema.
    choices = [choice for choice in schema.get("anyOf", []) if choice != {"type": "null"}]
    return _resolve(spec, choices[0]) if len(choices) == 1 else schema


def _member(spec: dict, schema: dict, pointer: str) -> dict:
    """The schema a JSON pointer reaches in a document of ``schema``; KeyError when it names nothing."""
    for token in pointer.strip("/").split("/"):
        schema = _resolve(spec, schema)
        schema = schema["items"] if token.isdigit() else schema["properties"][token]
    return _resolve(spec, schema)


def _operation(spec: dict, ref: str) -> dict:
    node: dict = spec
    for token in ref.removeprefix("#/").split("/"):
        node = node[token.replace("~1", "/").replace("~0", "~")]
    return node


def _expressions(value: object):  # type: ignore[no-untyped-def]
    if isinstance(value, str) and value.startswith("$"):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _expressions(item)
    elif isinstance(value, list):
        for item in value:
            yield from _expressions(item)


def test_every_link_points_at_a_real_operation_parameter_and_member(spec: dict) -> None:
    found = 0
    for path, method, operation in operations(spec):
        for answer in operation["responses"].values():
            produced = answer.get("content", {}).get("application/json", {}).get("schema", {})
            for name, link in answer.get("links", {}).items():
                found += 1
                target = _operation(spec, link["operationRef"])
                declared = {p["name"]: p for p in target.get("parameters", [])}
                assert set(link.get("parameters", {})) <= set(declared), (path, name)
                missing = {n for n, p in declared.items() if p["in"] == "path"} - set(link.get("parameters", {}))
                assert not missing, (path, name, missing)
                if "requestBody" in link:
                    accepted = _resolve(spec, target["requestBody"]["content"]["application/json"]["schema"])
                    assert set(link["requestBody"]) <= set(accepted["properties"]), (path, name)
                for expression in _expressions([link.get("parameters"), link.get("requestBody")]):
                    if expression.startswith("$request.path."):
                        assert "{" + expression.removeprefix("$request.path.") + "}" in path, (path, name)
                        continue
                    assert expression.startswith("$response.body#/"), expression
                    assert _member(spec, produced, expression.split("#", 1)[1]), (path, name, expression)
    assert found == len(LINKS)


def test_links_chain_the_business_to_a_voided_payment(spec: dict) -> None:
    steps = [("GET", "/v1/business", "OpenCustomer"), ("POST", "/v1/customers", "CreateInvoice"), ("POST", "/v1/documents", "PayInvoice"),
             ("POST", "/v1/payments", "ApplyCredit"), ("POST", "/v1/payments/{payment_id}/allocations", "RefundCredit"),
             ("POST", "/v1/payments/{payment_id}/refunds", "VoidRefund"),
             ("DELETE", "/v1/payments/{payment_id}/refunds/{refund_id}", "VoidPayment")]
    for (method, path, name), following in zip(steps, [*steps[1:], ("DELETE", "/v1/payments/{payment_id}", "")],
                                               strict=True):
        answers = spec["paths"][path][method.lower()]["responses"]
        link = next(answer["links"][name] for answer in answers.values() if name in answer.get("links", {}))
        next_method, next_path, _ = following
        assert _operation(spec, link["operationRef"]) is spec["paths"][next_path][next_method.lower()], name
