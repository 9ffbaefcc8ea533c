"""The published contract: every /v1 operation documents what it really answers."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from remit.api.app import create_app

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
