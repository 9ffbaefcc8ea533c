"""Zoho invoices, contacts and organizations: what a Zoho client needs around its payments."""

from __future__ import annotations

from tests.vendors import test_zoho as support
from tests.vendors.test_zoho import Zoho, error, pay

client, zoho, stranger = support.client, support.zoho, support.stranger


def test_an_invoice_is_a_draft_until_sent_and_then_takes_payments(zoho: Zoho) -> None:
    contact = zoho.post("/contacts", {"contact_name": "Bowman & Co", "company_name": "Bowman",
                                      "email": "accounts@bowman.example"})
    assert contact.status_code == 201 and contact.json()["message"] == "The contact has been added."
    customer = contact.json()["contact"]["contact_id"]
    created = zoho.post("/invoices", {
        "customer_id": customer, "date": "2024-03-01", "due_date": "2024-03-16", "reference_number": "PO-9",
        "line_items": [{"name": "Chairs", "rate": 40.5, "quantity": 2}, {"description": "Delivery", "rate": 19}]})
    assert created.status_code == 201, created.text
    invoice = created.json()["invoice"]
    assert created.json()["message"] == "The invoice has been created."
    assert (invoice["status"], invoice["total"], invoice["balance"], invoice["invoice_number"]) == (
        "draft", 100.0, 100.0, "INV-00001")
    assert [(line["name"], line["quantity"], line["item_total"]) for line in invoice["line_items"]] == [
        ("Chairs", 2, 81.0), ("Delivery", 1, 19.0)]
    refused = zoho.post("/customerpayments", {"customer_id": customer, "amount": 10, "date": "2024-03-02",
                                              "invoices": [{"invoice_id": invoice["invoice_id"],
                                                            "amount_applied": 10}]})
    assert "draft" in error(refused, 400, 4)

    sent = zoho.post(f"/invoices/{invoice['invoice_id']}/status/sent")
    assert sent.json() == {"code": 0, "message": "Invoice status has been changed to Sent."}
    payment = pay(zoho, int(customer), "60.00", invoices=[(int(invoice["invoice_id"]), "60.00")])
    read = zoho.get(f"/invoices/{invoice['invoice_id']}").json()["invoice"]
    assert (read["status"], read["balance"], read["payment_made"]) == ("overdue", 40.0, 60.0)
    [entry] = zoho.get(f"/invoices/{invoice['invoice_id']}/payments").json()["payments"]
    assert (entry["payment_id"], entry["amount"], entry["is_single_invoice_payment"]) == (
        payment["payment_id"], 60.0, True)
    assert entry["invoice_payment_id"] == payment["invoices"][0]["invoice_payment_id"]
    error(zoho.put(f"/invoices/{invoice['invoice_id']}", {"notes": "late"}), 400, 1001)
    error(zoho.delete(f"/invoices/{invoice['invoice_id']}"), 400, 1001)
    assert zoho.check() == []


def test_invoice_list_filters_edit_and_delete(zoho: Zoho, stranger: Zoho) -> None:
    asha = zoho.customer("Asha Stores")
    draft = zoho.invoice(asha, "50.00", state="draft", number="INV-D1")
    zoho.invoice(asha, "70.00", number="INV-L1")
    paid = zoho.invoice(asha, "30.00", number="INV-P1")
    pay(zoho, asha, "30.00", invoices=[(paid, "30.00")])
    stranger.invoice(stranger.customer())

    def listed(**params: str) -> list[str]:
        response = zoho.get("/invoices", params=params)
        assert response.status_code == 200, response.text
        return [i["invoice_number"] for i in response.json()["invoices"]]

    assert listed(sort_column="invoice_number", sort_order="A") == ["INV-D1", "INV-L1", "INV-P1"]
    assert listed(filter_by="Status.Draft") == ["INV-D1"]
    assert listed(status="paid") == ["INV-P1"]
    assert listed(filter_by="Status.OverDue") == ["INV-L1"]
    assert listed(filter_by="Status.Unpaid") == ["INV-L1"]
    assert listed(invoice_number_startswith="inv-l") == ["INV-L1"]
    assert listed(total_greater_than="40", sort_column="total", sort_order="D") == ["INV-L1", "INV-D1"]
    assert listed(customer_id=str(asha), per_page="1", sort_column="total", sort_order="A") == ["INV-P1"]
    error(zoho.get("/invoices", params={"filter_by": "Status.Lost"}), 400, 4)

    edited = zoho.put(f"/invoices/{draft}", {"line_items": [{"name": "Tables", "rate": 80}], "notes": "n1",
                                              "custom_fields": [{"label": "po", "value": "77"}]})
    assert edited.status_code == 200, edited.text
    assert (edited.json()["invoice"]["total"], edited.json()["invoice"]["notes"]) == (80.0, "n1")
    assert zoho.native(f"/v1/documents/{draft}")["metadata"] == {"po": "77"}
    assert zoho.delete(f"/invoices/{draft}").json() == {"code": 0, "message": "The invoice has been deleted."}
    assert zoho.get(f"/invoices/{draft}").json()["invoice"]["status"] == "void"
    error(zoho.get(f"/invoices/{stranger.invoice(stranger.customer())}"), 404, 1002)
    error(zoho.post("/invoices", {"customer_id": "1", "line_items": [{"rate": 1}]}), 400, 4)
    assert zoho.check() == []


def test_contacts_with_persons_balances_and_their_limits(zoho: Zoho, stranger: Zoho) -> None:
    created = zoho.post("/contacts", {"contact_name": "Ravi Traders", "currency_code": "INR", "contact_persons": [
        {"first_name": "Ravi", "last_name": "Kumar", "email": "ravi@example.com", "is_primary_contact": True}]})
    assert created.status_code == 201, created.text
    contact = created.json()["contact"]
    [person] = contact["contact_persons"]
    assert (person["first_name"], person["last_name"], person["is_primary_contact"]) == ("Ravi", "Kumar", True)
    invoice = zoho.invoice(int(contact["contact_id"]), "100.00")
    pay(zoho, int(contact["contact_id"]), "130.00", invoices=[(invoice, "100.00")],
        contact_persons=[person["contact_person_id"]])
    read = zoho.get(f"/contacts/{contact['contact_id']}").json()["contact"]
    assert (read["outstanding_receivable_amount"], read["unused_credits_receivable_amount"]) == (0.0, 30.0)

    updated = zoho.put(f"/contacts/{contact['contact_id']}", {"company_name": "Ravi & Sons", "contact_persons": [
        {"contact_person_id": person["contact_person_id"], "first_name": "Ravi", "email": "r@example.com"}]})
    assert updated.status_code == 200, updated.text
    assert updated.json()["contact"]["company_name"] == "Ravi & Sons"
    assert updated.json()["contact"]["contact_persons"][0]["contact_person_id"] == person["contact_person_id"]
    error(zoho.delete(f"/contacts/{contact['contact_id']}"), 400, 1001)
    spare = zoho.post("/contacts", {"contact_name": "Spare"}).json()["contact"]["contact_id"]
    assert zoho.delete(f"/contacts/{spare}").json() == {"code": 0, "message": "The contact has been deleted."}
    error(zoho.get(f"/contacts/{spare}"), 404, 3004)
    error(zoho.get(f"/contacts/{stranger.customer()}"), 404, 3004)
    assert [c["contact_name"] for c in zoho.get("/contacts", params={"contact_name_contains": "ravi"})
            .json()["contacts"]] == ["Ravi Traders"]
    error(zoho.post("/contacts", {"company_name": "nameless"}), 400, 4)
    error(zoho.post("/contacts", {"contact_name": "X", "currency_code": "ZZZ"}), 400, 4)
    assert zoho.check() == []


def test_organizations_are_the_keys_business(zoho: Zoho, stranger: Zoho) -> None:
    response = zoho.client.get(support.PREFIX + "/organizations",
                               headers={"Authorization": f"Zoho-oauthtoken {zoho.secret}"})
    assert response.status_code == 200, response.text
    [organization] = response.json()["organizations"]
    assert (organization["organization_id"], organization["currency_code"]) == (zoho.org, "INR")
    assert zoho.get(f"/organizations/{zoho.org}").json()["organization"]["name"] == "Zoho Traders"
    error(zoho.get(f"/organizations/{stranger.org}"), 404, 1002)
    error(zoho.client.get(support.PREFIX + "/organizations"), 401, 57)
