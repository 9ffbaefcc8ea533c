"""The OpenAPI links, followed by hand: each runtime expression is evaluated against the answer it names, so the
money chain Schemathesis's stateful phase explores is known to run end to end on both engines.
"""

from __future__ import annotations

from typing import Any

from remit.api.links import CHAIN
from tests.api.conftest import Tenant


def _pointer(document: Any, pointer: str) -> Any:
    for token in pointer.strip("/").split("/"):
        document = document[int(token)] if isinstance(document, list) else document[token]
    return document


def _evaluate(value: Any, answer: Any, path: dict[str, Any]) -> Any:
    """A link value with its runtime expressions ($response.body#/..., $request.path...) filled in."""
    if isinstance(value, str) and value.startswith("$response.body#"):
        return _pointer(answer, value.split("#", 1)[1])
    if isinstance(value, str) and value.startswith("$request.path."):
        return path[value.removeprefix("$request.path.")]
    if isinstance(value, dict):
        return {key: _evaluate(item, answer, path) for key, item in value.items()}
    if isinstance(value, list):
        return [_evaluate(item, answer, path) for item in value]
    return value


def test_the_linked_chain_runs_from_the_business_to_a_voided_payment(tenant: Tenant) -> None:
    answer, path = tenant.get("/v1/business"), {}
    assert answer.status_code == 200
    seen = {}
    for link in CHAIN:
        method, template = link.target.split(" ", 1)
        path = {name: _evaluate(expression, answer.json(), path) for name, expression in link.parameters.items()}
        body = None if link.body is None else _evaluate(link.body, answer.json(), path)
        answer = tenant.client.request(method, template.format(**path), json=body, headers=tenant.headers())
        assert 200 <= answer.status_code < 300, (link.name, answer.text)
        seen[link.name] = answer.json()
    invoice = seen["CreateInvoice"]
    assert seen["PayInvoice"]["unused_amount"] == "2.00" and seen["ApplyCredit"]["unused_amount"] == "1.00"
    assert seen["RefundCredit"]["amount"] == "1.00" and seen["VoidRefund"]["status"] == "void"
    assert seen["VoidPayment"]["status"] == "void"
    # Voiding the payment took its allocation and the credit applied from it back off the invoice.
    after = tenant.get(f"/v1/documents/{invoice['id']}").json()
    assert (after["status"], after["balance_due"]) == ("open", invoice["balance_due"]) == ("open", "2.00")
    assert tenant.get(f"/v1/customers/{invoice['customer_id']}/balance").json()["credit"] == "0.00"
    assert tenant.get("/v1/ledger/trial-balance").json()["balanced"] is True
