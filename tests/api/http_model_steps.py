"""The step runner of the HTTP state machine (``test_http_model.py``): predict with the model, send, compare.

Every step of the machine goes through :meth:`HttpSteps.step`: the model (``tests/service/model.py``)
predicts success or the error class the engine raises; the request goes out through ``/v1``; a refusal
must carry that class's HTTP status and problem ``code``, a success is committed to the model with the ids
the API assigned. Sometimes the same request is sent twice with one Idempotency-Key: a success must replay
byte for byte (and change nothing more), a refusal must be refused again.
"""

from __future__ import annotations

from collections import Counter
from typing import Any
from uuid import uuid4

from fastapi.testclient import TestClient
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine
from sqlalchemy import Engine

from tests.api.http_model_checks import SPELLINGS, ApiChecks, Stats, payment_view
from tests.service.drawing import rarely
from tests.service.model import Books, ModelError


class HttpSteps(ApiChecks, RuleBasedStateMachine):
    """What every step of the HTTP machine shares; the steps live in its subclasses."""

    engine: Engine
    client: TestClient
    stats: Stats

    def __init__(self) -> None:
        super().__init__()
        self.books: Books | None = None  # type: ignore[assignment]
        self.events: Counter[tuple[str, int]] = Counter()
        self.tendered: dict[int, int] = {}  # what each payment was asked to take, change included
        self.methods: dict[int, str | None] = {}  # the method each payment was last sent with
        self.last_problem: dict[str, Any] = {}
        self.settings_changes = 0
        self.cash_excess_as_change = True  # a new business hands cash paid beyond what it settles back
        self.left_out: frozenset[str] | None = None
        self.start_reading()
        self.stats.sequences += 1

    def step(self, name: str, data: st.DataObject, predict, method: str, url: str,  # type: ignore[no-untyped-def]
             body: Any = None, *, headers: dict[str, str] | None = None, key=lambda reply: reply["id"]):
        """Predict with the model, send the request, then hold the API to the prediction.

        ``predict()`` returns the model's commit callable or raises ModelError. On success the
        model's commit gets ``key(reply)`` (the ids the API assigned) and the reply is returned;
        a refusal must carry the predicted status and code, and returns None. Sometimes the request
        goes twice with one Idempotency-Key: a success must replay byte for byte, a refusal repeat.
        """
        self.stats.steps += 1
        self.stats.operations[name] += 1
        try:
            commit, expected = predict(), None
        except ModelError as refusal:
            commit, expected = None, refusal
        numbers = body is not None and data.draw(st.booleans(), label="decimals as JSON numbers")
        spelling = "plain" if body is None else data.draw(st.sampled_from(SPELLINGS), label="decimals spelt")
        replay = rarely(data, 5, "send twice with one Idempotency-Key")
        sent = dict(headers or {})
        if replay:
            sent["Idempotency-Key"] = f"model-{uuid4().hex}"
        was_paid = self._paid_documents()

        def send():  # type: ignore[no-untyped-def]
            return self.api.send(method, url, body, numbers=numbers, spelling=spelling, headers=sent)

        response = send()
        self.last_response = response
        if expected is not None:
            self.last_problem = self._refused(name, response, expected)
            if replay:
                again = self._refused(name, send(), expected)
                assert again == self.last_problem, f"{name}: a retried refusal answered differently"
            self.stats.refused += 1
            self.stats.refusals[f"{name}: {expected.error.code}"] += 1
            return None
        assert response.status_code in (200, 201), (
            f"{name}: the model expected success; {method} {url} answered {response.status_code}: {response.text}")
        if replay:
            again = send()
            assert (again.status_code, again.content) == (response.status_code, response.content), (
                f"{name}: the replay differs: {again.text}")
            assert again.headers.get("idempotent-replayed") == "true"
            self.stats.replays += 1
        reply = response.json()
        commit(key(reply))
        for doc_id in self._paid_documents() - was_paid:
            self.events["invoice.paid", doc_id] += 1
        return reply

    @staticmethod
    def _refused(name: str, response, expected: ModelError) -> dict[str, Any]:  # type: ignore[no-untyped-def]
        error = expected.error
        assert (response.status_code, response.headers.get("content-type")) == (
            error.status, "application/problem+json"), (
            f"{name}: the model predicted {error.__name__} ({expected.why}); the API answered "
            f"{response.status_code}: {response.text}")
        problem = response.json()
        assert (problem["status"], problem["code"]) == (error.status, error.code), (
            f"{name}: the model predicted {error.code} ({expected.why}); the problem is {problem}")
        assert problem["title"] and problem["detail"] and problem["type"].endswith(error.code), problem
        return problem

    def pick(self, data: st.DataObject, every: list[int], likely: list[int], label: str) -> int:
        """Mostly one of ``likely`` (where the step can succeed), sometimes any of ``every`` (to be refused)."""
        if likely and not rarely(data, 10, f"{label}: any"):
            return data.draw(st.sampled_from(sorted(likely)), label=label)
        return data.draw(st.sampled_from(sorted(every)), label=label)

    def _paid_documents(self) -> set[int]:
        return {d.id for d in self.books.docs.values() if self.books.status(d) == "paid"}

    def _check_payment_reply(self, reply: dict[str, Any]) -> None:
        """A payment in a write's answer is the payment as committed, with its customer's balance."""
        assert payment_view(reply) == self.expected_payment(reply["id"])
        outstanding, credit, _ = self.expected_balance(reply["customer_id"])
        assert reply["customer_balance"] == {"outstanding": outstanding, "credit": credit}
        assert self.last_response.headers["etag"] == f'"{reply["version"]}"'
