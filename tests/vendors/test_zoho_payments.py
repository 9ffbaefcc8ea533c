"""Zoho customer payments in Zoho's terms: filters, sorting, pages, refunds, delete, deductions, FX."""

from __future__ import annotations

import json
from decimal import Decimal

from remit.customers.service import ContactInput
from tests.vendors import test_zoho as support
from tests.vendors.test_zoho import Zoho, error, pay

# The shared fixtures, made visible to pytest in this module.
client, zoho, stranger = support.client, support.zoho, support.stranger


def ids(response) -> list[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.text
    return [p["payment_id"] for p in response.json()["customerpayments"]]


def test_every_filter_and_variant(zoho: Zoho) -> None:
    asha, bowman = zoho.customer("Asha Stores"), zoho.customer("Bowman & Co")
    invoice = zoho.invoice(bowman, "500.00")
    a = pay(zoho, asha, "100.00", date="2024-01-05", reference_number="UTR-100", description="first advance",
            payment_mode="Cash")["payment_id"]
    b = pay(zoho, bowman, "250.50", date="2024-01-10", reference_number="CHQ-7788", description="cheque deposit",
            payment_mode="Check", invoices=[(invoice, "250.50")])["payment_id"]
    c = pay(zoho, bowman, "75.25", date="2024-01-20", reference_number="pp_55", description="",
            payment_mode="PayPal")["payment_id"]

    def listed(**params: str) -> set[str]:
        return set(ids(zoho.get("/customerpayments", params=params)))

    assert listed() == {a, b, c}
    assert listed(customer_name="bowman & co") == {b, c}
    assert listed(customer_name_startswith="Bow") == {b, c}
    assert listed(customer_name_contains="SHA") == {a}
    assert listed(reference_number="UTR-100") == {a}
    assert listed(reference_number_startswith="chq") == {b}
    assert listed(reference_number_contains="_5") == {c}
    assert listed(date="2024-01-10") == {b}
    assert listed(date_start="2024-01-10") == {b, c}
    assert listed(date_end="2024-01-10") == {a, b}
    assert listed(date_before="2024-01-10") == {a}
    assert listed(date_after="2024-01-10") == {c}
    assert listed(date_start="2024-01-06", date_end="2024-01-19") == {b}
    assert listed(amount="250.50") == {b}
    assert listed(amount="250.5") == {b}
    assert listed(amount_less_than="100.00") == {c}
    assert listed(amount_less_equals="100.00") == {a, c}
    assert listed(amount_greater_than="100.00") == {b}
    assert listed(amount_greater_equals="100") == {a, b}
    assert listed(amount="100.005") == set()
    assert listed(notes="first advance") == {a}
    assert listed(notes_startswith="cheque") == {b}
    assert listed(notes_contains="ADVANCE") == {a}
    assert listed(payment_mode="paypal") == {c}
    assert listed(payment_mode_startswith="Ca") == {a}
    assert listed(payment_mode_contains="eque") == {b}
    assert listed(customer_id=str(asha)) == {a}
    assert listed(invoice_id=str(invoice)) == {b}
    assert listed(invoice_id="999999999") == set()
    assert listed(search_text="chq-77") == {b}
    assert listed(search_text="asha") == {a}
    assert listed(search_text="advance") == {a}
    assert listed(filter_by="PaymentMode.All") == {a, b, c}
    assert listed(filter_by="PaymentMode.Cash") == {a}
    assert listed(filter_by="PaymentMode.Check") == {b}
    assert listed(filter_by="PaymentMode.Paypal") == {c}
    assert listed(filter_by="PaymentMode.Stripe") == set()
    assert listed(filter_by="PaymentMode.Cash", customer_name_startswith="Bow") == set()
    response = zoho.get("/customerpayments", params={"filter_by": "PaymentMode.Check"})
    assert response.json()["page_context"]["applied_filter"] == "PaymentMode.Check"
    for bad in ({"filter_by": "PaymentMode.Barter"}, {"date": "2024-13-01"}, {"amount": "ten"},
                {"sort_column": "colour"}, {"sort_order": "sideways"}, {"per_page": "0"}, {"page": "x"}):
        error(zoho.get("/customerpayments", params=bad), 400, 4)


def test_sort_columns_orders_and_pages(zoho: Zoho, stranger: Zoho) -> None:
    zed, amy = zoho.customer("Zed Traders"), zoho.customer("Amy Mart")
    p1 = pay(zoho, zed, "30.00", date="2024-03-01", reference_number="B", payment_mode="Cash")["payment_id"]
    p2 = pay(zoho, amy, "10.00", date="2024-03-03", reference_number="C", payment_mode="Bank Transfer")["payment_id"]
    p3 = pay(zoho, amy, "20.00", date="2024-03-02", reference_number="A", payment_mode="UPI")["payment_id"]
    pay(stranger, stranger.customer(), "99.00")

    def order(column: str, direction: str) -> list[str]:
        response = zoho.get("/customerpayments", params={"sort_column": column, "sort_order": direction})
        context = response.json()["page_context"]
        assert (context["sort_column"], context["sort_order"]) == (column, direction)
        return ids(response)

    assert order("date", "D") == [p2, p3, p1] and order("date", "A") == [p1, p3, p2]
    assert order("amount", "A") == [p2, p3, p1] and order("bcy_amount", "D") == [p1, p3, p2]
    assert order("unused_amount", "D") == [p1, p3, p2]
    assert order("reference_number", "A") == [p3, p1, p2]
    assert order("customer_name", "A")[-1] == p1
    assert order("payment_mode", "A") == [p2, p1, p3]
    assert order("account_name", "A")[0] in {p1, p2, p3}
    assert ids(zoho.get("/customerpayments")) == [p2, p3, p1]

    first = zoho.get("/customerpayments", params={"per_page": 2, "sort_column": "amount", "sort_order": "A"})
    assert ids(first) == [p2, p3]
    assert first.json()["page_context"] | {} == {"page": 1, "per_page": 2, "has_more_page": True,
                                                 "report_name": "Payments Received",
                                                 "applied_filter": "PaymentMode.All", "sort_column": "amount",
                                                 "sort_order": "A"}
    second = zoho.get("/customerpayments", params={"per_page": 2, "page": 2, "sort_column": "amount",
                                                   "sort_order": "A"})
    assert ids(second) == [p1] and second.json()["page_context"]["has_more_page"] is False
    assert ids(zoho.get("/customerpayments", params={"per_page": 2, "page": 3})) == []


def test_tax_withheld_and_bank_charges_settle_as_zoho_records_them(zoho: Zoho) -> None:
    customer = zoho.customer()
    invoice = zoho.invoice(customer, "100.00")
    payment = zoho.post("/customerpayments", {
        "customer_id": str(customer), "amount": 90, "bank_charges": 1.50, "date": "2024-02-01",
        "invoices": [{"invoice_id": str(invoice), "amount_applied": 90, "tax_amount_withheld": 10}]}).json()["payment"]
    assert payment["tax_amount_withheld"] == 10.0 and payment["bank_charges"] == 1.5
    assert payment["invoices"][0]["balance"] == 0.0 and payment["unused_amount"] == 0.0
    native = zoho.native(f"/v1/payments/{payment['payment_id']}")
    assert native["allocations"][0]["tax_withheld"] == "10.00" and native["allocations"][0]["settled"] == "100.00"
    assert zoho.native(f"/v1/documents/{invoice}")["status"] == "paid"
    assert zoho.check() == []


def test_a_foreign_payment_shows_base_amounts_at_its_rate(zoho: Zoho) -> None:
    customer = zoho.customer("Globex", currency="USD")
    invoice = zoho.invoice(customer, "100.00", rate="83.00")
    payment = pay(zoho, customer, "120.00", invoices=[(invoice, "100.00")], exchange_rate="83.25")
    assert payment["currency_code"] == "USD" and payment["exchange_rate"] == 83.25
    assert (payment["bcy_amount"], payment["unused_amount"], payment["bcy_unused_amount"]) == (9990.0, 20.0, 1665.0)
    error(zoho.post("/customerpayments", {"customer_id": str(customer), "amount": 5, "date": "2024-02-01"}), 400, 4)
    assert zoho.check() == []


def test_update_replaces_allocations_and_keeps_what_is_not_sent(zoho: Zoho) -> None:
    customer = zoho.customer()
    first, second = zoho.invoice(customer, "100.00"), zoho.invoice(customer, "100.00")
    payment = pay(zoho, customer, "100.00", invoices=[(first, "100.00")], reference_number="R-1",
                  payment_mode="UPI", custom_fields=[{"api_name": "cf_batch", "value": 7}])
    path = f"/customerpayments/{payment['payment_id']}"
    response = zoho.put(path, {"amount": 150, "invoices": [{"invoice_id": str(second), "amount_applied": 60}],
                               "custom_fields": [{"label": "desk", "value": "north"}]})
    assert response.status_code == 200, response.text
    updated = response.json()["payment"]
    assert (updated["payment_id"], updated["payment_number"]) == (payment["payment_id"], payment["payment_number"])
    assert (updated["reference_number"], updated["payment_mode"], updated["unused_amount"]) == ("R-1", "UPI", 90.0)
    assert [i["invoice_id"] for i in updated["invoices"]] == [str(second)]
    assert {f["api_name"]: f["value"] for f in updated["custom_fields"]} == {"cf_batch": "7", "desk": "north"}
    balance = zoho.native(f"/v1/customers/{customer}/balance")
    assert (balance["outstanding"], balance["credit"]) == ("140.00", "90.00")
    error(zoho.put(path, {"invoices": [{"invoice_id": str(first), "amount_applied": 101}]}), 400, 24016)
    error(zoho.put(path, {"customer_id": str(zoho.customer("Someone Else"))}), 400, 4)
    assert zoho.native(f"/v1/payments/{payment['payment_id']}")["version"] == 2
    assert zoho.check() == []


def test_delete_voids_and_the_payment_then_reads_as_missing(zoho: Zoho) -> None:
    customer = zoho.customer()
    invoice = zoho.invoice(customer, "100.00")
    payment = pay(zoho, customer, "60.00", invoices=[(invoice, "60.00")])
    path = f"/customerpayments/{payment['payment_id']}"
    assert zoho.delete(path).json() == {"code": 0, "message": "The payment has been deleted."}
    assert error(zoho.get(path), 404, 1002) == "The payment does not exist."
    error(zoho.delete(path), 404, 1002)
    error(zoho.put(path, {"amount": 10}), 404, 1002)
    assert ids(zoho.get("/customerpayments")) == []
    native = zoho.native(f"/v1/payments/{payment['payment_id']}")
    assert native["status"] == "void" and native["amount"] == "60.00"
    assert zoho.native(f"/v1/customers/{customer}/balance")["outstanding"] == "100.00"
    assert zoho.check() == []


def test_refunds_up_to_the_unused_amount(zoho: Zoho) -> None:
    customer = zoho.customer()
    invoice = zoho.invoice(customer, "100.00")
    payment = pay(zoho, customer, "150.00", invoices=[(invoice, "100.00")])
    base = f"/customerpayments/{payment['payment_id']}/refunds"
    message = error(zoho.post(base, {"amount": 50.01, "date": "2024-02-02"}), 400, 4)
    assert "50.00" in message
    created = zoho.post(base, {"amount": 30, "date": "2024-02-02", "refund_mode": "Bank Transfer",
                               "reference_number": "RF-UTR", "description": "partial", "exchange_rate": 1})
    assert created.status_code == 201, created.text
    refund = created.json()["payment_refund"]
    assert created.json()["message"] == "The refund information for this payment has been saved."
    assert (refund["amount"], refund["refund_mode"], refund["date"], refund["payment_id"]) == (
        30.0, "Bank transfer", "2024-02-02", payment["payment_id"])
    read = zoho.get(f"/customerpayments/{payment['payment_id']}").json()["payment"]
    assert (read["unused_amount"], read["amount_refunded"]) == (20.0, 30.0)
    assert [r["refund_id"] for r in zoho.get(base).json()["payment_refunds"]] == [refund["refund_id"]]
    assert zoho.get(f"{base}/{refund['refund_id']}").json()["payment_refund"] == refund

    updated = zoho.put(f"{base}/{refund['refund_id']}", {"amount": 50})
    assert updated.status_code == 200, updated.text
    assert updated.json()["payment_refund"]["amount"] == 50.0
    assert updated.json()["payment_refund"]["reference_number"] == "RF-UTR"
    error(zoho.put(f"{base}/{refund['refund_id']}", {"amount": 50.01}), 400, 4)
    # A payment with a live refund cannot be deleted until the refund is.
    error(zoho.delete(f"/customerpayments/{payment['payment_id']}"), 400, 1001)
    assert zoho.native(f"/v1/customers/{customer}/balance")["credit"] == "0.00"

    assert zoho.delete(f"{base}/{refund['refund_id']}").json() == {"code": 0, "message": "The refund has been deleted."}
    error(zoho.get(f"{base}/{refund['refund_id']}"), 404, 1002)
    assert zoho.get(base).json()["payment_refunds"] == []
    assert zoho.native(f"/v1/customers/{customer}/balance")["credit"] == "50.00"
    assert zoho.check() == []


def test_contact_persons_queue_a_thank_you_email(zoho: Zoho) -> None:
    customer = zoho.customer(contacts=(ContactInput(name="Ravi Kumar", email="ravi@example.com", is_primary=True),))
    person = str(zoho.native(f"/v1/customers/{customer}")["contact_persons"][0]["id"])
    payment = pay(zoho, customer, "10.00", contact_persons=[person])
    [sent] = zoho.events("notification.requested")
    assert sent.subject_id == int(payment["payment_id"])
    assert sent.payload["recipients"] == [{"contact_person_id": int(person), "name": "Ravi Kumar",
                                           "email": "ravi@example.com", "phone": None}]
    assert sent.payload["source"] == "zoho.contact_persons"
    other = zoho.customer("Other")
    error(zoho.post("/customerpayments", {"customer_id": str(other), "amount": 5, "date": "2024-02-01",
                                          "contact_persons": [person]}), 400, 4)
    assert len(zoho.events("notification.requested")) == 1


def test_form_data_jsonstring_and_idempotent_retries(zoho: Zoho) -> None:
    customer = zoho.customer()
    body = json.dumps({"customer_id": str(customer), "amount": 12.5, "date": "2024-02-01"})
    multipart = zoho.call("POST", "/customerpayments", files={"JSONString": (None, body)})
    assert multipart.status_code == 201, multipart.text
    urlencoded = zoho.call("POST", "/customerpayments", data={"JSONString": body})
    assert urlencoded.status_code == 201 and urlencoded.json()["payment"]["amount"] == 12.5
    assert Decimal(str(urlencoded.json()["payment"]["amount"])) == Decimal("12.50")

    key = {"Idempotency-Key": "zoho-retry-1"}
    first = zoho.post("/customerpayments", body, headers=key)
    again = zoho.post("/customerpayments", body, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.text == first.text and again.headers["Idempotent-Replayed"] == "true"
    changed = body.replace("12.5", "13")
    error(zoho.post("/customerpayments", changed, headers=key), 400, 4)
    assert len(ids(zoho.get("/customerpayments"))) == 3
    assert zoho.check() == []
