"""The vendor route class: every failure reaches the vendor's renderer as a fact, never a problem+json."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from pydantic import BaseModel

from remit.api import problems
from remit.errors import DocumentOverSettled, RemitError
from remit.vendors.base import vendor_router


def render(error: RemitError) -> JSONResponse:
    return JSONResponse({"vendor_error": error.code, "field": error.field, "text": error.detail},
                        status_code=error.status)


class Body(BaseModel):
    amount: str
    count: int


router = vendor_router("/acme", "acme", render)


@router.post("/pay/{item_id}")
def pay(item_id: int, body: Body) -> dict:
    if body.amount == "too much":
        raise DocumentOverSettled(settle="9", document_number="INV-1", balance_due="1", currency="INR")
    return {"item": item_id, "count": body.count}


def client() -> TestClient:
    app = FastAPI()
    problems.install(app)
    app.include_router(router)
    return TestClient(app)


def test_success_passes_through() -> None:
    assert client().post("/acme/pay/3", json={"amount": "1", "count": 2}).json() == {"item": 3, "count": 2}


def test_service_errors_use_the_vendor_shape() -> None:
    response = client().post("/acme/pay/3", json={"amount": "too much", "count": 2})
    assert response.status_code == 422
    assert response.json()["vendor_error"] == "document_over_settled" and "INV-1" in response.json()["text"]


def test_validation_names_the_field_and_bad_json_is_malformed() -> None:
    response = client().post("/acme/pay/3", json={"amount": "1", "count": "many"})
    assert response.status_code == 422 and response.json()["field"] == "count"
    response = client().post("/acme/pay/3", content=b"{", headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.json()["vendor_error"] == "body_malformed"
    response = client().post("/acme/pay/x", json={"amount": "1", "count": 1})
    assert response.status_code == 404 and response.json()["vendor_error"] == "not_found"

