"""``/sale-transactions`` and ``/ledgers``: the bills a receipt settles and the ledgers it names.

The sales list shows every bill a party owes on (``transaction_type`` is its
bill type, 1 to 5), since a receipt can settle any of them. Ledgers are the
parties (customers), the bank/cash accounts and the adjustment accounts,
with ids from ``formats.party_ledger_id``/``account_ledger_id``.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from remit.api.transactions import fetch, mutate
from remit.businesses.models import DepositAccount
from remit.businesses.service import create_deposit_account, get_business
from remit.customers.models import Customer
from remit.customers.service import create_customer
from remit.documents.models import Document
from remit.documents.service import LineInput, create_document
from remit.errors import AlreadyExists, InvalidInput, RemitError
from remit.ledger.models import Account
from remit.money import parse_minor
from remit.vendors.hisabkitab import values
from remit.vendors.hisabkitab.body import idempotency, read_body
from remit.vendors.hisabkitab.formats import (
    BILL_TYPE_OF_KIND,
    PAYMENT_STATUS,
    Envelope,
    account_ledger_id,
    envelope,
    midnight_utc,
    number,
    parse_day,
    party_ledger_id,
)
from remit.vendors.hisabkitab.receipt_input import ADJUSTMENT_OF_ACCOUNT, account_of, party_of
from remit.vendors.hisabkitab.receipts import CompanyDep, day_range, paging
from remit.vendors.hisabkitab.routing import router

_STATUS_FILTER = {"unpaid": "open", "partially paid": "partially_paid", "partially_paid": "partially_paid",
                  "paid": "paid"}


def sale_row(doc: Document, customer: Customer, timezone: str) -> dict[str, Any]:
    return {
        "transaction_id": doc.id,
        "party_name": customer.name,
        "phone_no": customer.phone,
        "party_id": party_ledger_id(customer.id),
        "invoice_number": doc.number,
        "date": midnight_utc(doc.issue_date, timezone),
        "invoice_amount": number(doc.total_minor, doc.currency),
        "pending_amount": number(doc.balance_due_minor, doc.currency),
        "payment_status": PAYMENT_STATUS[doc.status],
        "transaction_type": BILL_TYPE_OF_KIND[doc.kind],
        "narration": doc.notes,
    }


@router.get("/sale-transactions")
def list_sales(request: Request, caller: CompanyDep) -> Response:
    """Issued bills, oldest first: ``status`` is Unpaid, Partially Paid or Paid."""
    limit, skip = paging(request)
    statuses = list(PAYMENT_STATUS)
    wanted = request.query_params.get("status")
    if not values.blank(wanted):
        if wanted.strip().lower() not in _STATUS_FILTER:  # type: ignore[union-attr]
            raise InvalidInput(field="status", detail="The status is Unpaid, Partially Paid or Paid.")
        statuses = [_STATUS_FILTER[wanted.strip().lower()]]  # type: ignore[union-attr]
    conditions = [Document.business_id == caller.business_id, Document.status.in_(statuses),
                  Document.kind.in_(BILL_TYPE_OF_KIND), *day_range(request, Document.issue_date)]
    party = values.whole(request.query_params.get("party_id"), field="party_id")

    def page(session: Session) -> Envelope:
        where = list(conditions)
        if party is not None:
            where.append(Document.customer_id == party_of(session, caller.business_id, party, field="party_id"))
        timezone = get_business(session, caller.business_id).timezone
        rows = session.execute(select(Document, Customer).join(Customer, Customer.id == Document.customer_id)
                               .where(*where).order_by(Document.issue_date, Document.id).limit(limit).offset(skip))
        return envelope([sale_row(doc, customer, timezone) for doc, customer in rows],
                        "Sale transactions fetched successfully.")

    return fetch(caller, page)


def _sale_lines(session: Session, business_id: int, rows: list) -> list[LineInput]:
    lines = []
    for index, row in enumerate(rows):
        where = f"ledgers.{index}"
        if not isinstance(row, dict):
            raise InvalidInput(field=where, detail=f"{where} must be an object.")
        ledger = values.whole(row.get("ledger_id"), field=f"{where}.ledger_id")
        name = "Sales"
        if ledger is not None:
            account = account_of(session, business_id, ledger, field=f"{where}.ledger_id")
            if account.code != "revenue":
                raise InvalidInput(field=f"{where}.ledger_id", detail=(
                    f"Ledger {ledger} ({account.name}) is not the sales ledger; a sale is income on Sales."))
            name = account.name
        quantity = values.amount(row.get("quantity", row.get("qty")), field=f"{where}.quantity")
        quantity = 1 if quantity is None else quantity
        rpu = values.amount(row.get("rpu"), field=f"{where}.rpu")
        total = values.amount(row.get("total"), field=f"{where}.total")
        if rpu is None and total is None:
            raise InvalidInput(field=f"{where}.total", detail=f"The {where}.total field is required.")
        if rpu is None:
            quantity, rpu = 1, total
        lines.append(LineInput(name=name, quantity=quantity, unit_price=rpu,
                               description=values.text(row.get("description"), field=f"{where}.description",
                                                       limit=2000)))
    return lines


def _sale_error(error: RemitError) -> RemitError:
    """``lines/0/unit_price`` is ``ledgers.0.rpu`` to the caller."""
    parts = (error.field or "").split("/")
    if parts[0] == "lines" and len(parts) >= 2:
        named = ".".join(["ledgers", *parts[1:]]).replace("unit_price", "rpu")
        error.detail = error.detail.replace(error.field or "", named)
        error.field = named
    elif error.field == "issue_date":
        error.field = "date"
    return error


@router.post("/sale-transactions")
async def create_sale(request: Request, caller: CompanyDep) -> Response:
    """A sale (bill type 1) on a party: ``ledgers[{ledger_id, rpu, total}]``; ``gross_value`` must match."""
    body = await read_body(request)
    fields = body.fields
    key = idempotency(request, body)
    issued = parse_day(fields["date"], field="date") if not values.blank(fields.get("date")) else None
    customer_ledger = values.whole(fields.get("customer_ledger_id", fields.get("ledger_id")), field="customer_ledger_id")
    if customer_ledger is None:
        raise InvalidInput(field="customer_ledger_id", detail="The customer_ledger_id field is required.")
    invoice_number = values.text(fields.get("invoice_number"), field="invoice_number", limit=64)
    narration = values.text(fields.get("narration"), field="narration", limit=2000)
    rows = values.listed(fields.get("ledgers"), field="ledgers", rows=True)
    if not rows:
        raise InvalidInput(field="ledgers", detail="The ledgers field is required.")

    def work(session: Session) -> Envelope:
        customer_id = party_of(session, caller.business_id, customer_ledger, field="customer_ledger_id")
        try:
            doc = create_document(session, business_id=caller.business_id, customer_id=customer_id, kind="sale",
                                  lines=_sale_lines(session, caller.business_id, rows), issue_date=issued,
                                  number=invoice_number, notes=narration, channel="hisabkitab")
        except AlreadyExists:
            raise InvalidInput(field="invoice_number", detail="The invoice number has already been taken.") from None
        except RemitError as error:
            raise _sale_error(error) from None
        for index, (line, row) in enumerate(zip(doc.lines, rows, strict=True)):
            if not values.blank(row.get("total")) and line.total_minor != parse_minor(
                    row["total"], currency=doc.currency, field=f"ledgers.{index}.total"):
                raise InvalidInput(field=f"ledgers.{index}.total",
                                   detail=f"ledgers.{index}.total is not rpu x quantity ({number(line.total_minor, doc.currency)}).")
        gross = fields.get("gross_value")
        if not values.blank(gross) and parse_minor(gross, currency=doc.currency, field="gross_value") != doc.total_minor:
            raise InvalidInput(field="gross_value", detail=(
                f"gross_value does not equal the sum of the ledgers ({number(doc.total_minor, doc.currency)})."))
        customer = session.get(Customer, customer_id)
        data = {"id": doc.id, "company_id": doc.business_id, "customer_ledger_id": str(party_ledger_id(customer_id)),
                "gross_value": number(doc.total_minor, doc.currency),
                **sale_row(doc, customer, get_business(session, caller.business_id).timezone)}
        return envelope(data, "Sale transaction created successfully.")

    return await run_in_threadpool(mutate, caller, key, work)


# -- ledgers ------------------------------------------------------------------------

def _account_rows(session: Session, business_id: int) -> list[dict[str, Any]]:
    deposits = {d.account_id: d for d in session.execute(
        select(DepositAccount).where(DepositAccount.business_id == business_id, DepositAccount.active)).scalars()}
    accounts = session.execute(select(Account).where(Account.business_id == business_id).order_by(Account.id)).scalars()
    rows = []
    for account in accounts:
        if account.id in deposits:
            rows.append({"id": account_ledger_id(account.id), "name": account.name,
                         "kind": deposits[account.id].kind})
        elif account.code in ADJUSTMENT_OF_ACCOUNT:
            rows.append({"id": account_ledger_id(account.id), "name": account.name, "kind": "adjustment",
                         "adjustment": ADJUSTMENT_OF_ACCOUNT[account.code]})
        elif account.code == "revenue":
            rows.append({"id": account_ledger_id(account.id), "name": account.name, "kind": "income"})
    return rows


def party_row(customer: Customer) -> dict[str, Any]:
    return {"id": party_ledger_id(customer.id), "name": customer.name, "kind": "party", "phone_no": customer.phone,
            "email": customer.email, "currency": customer.currency}


@router.get("/ledgers")
def list_ledgers(request: Request, caller: CompanyDep) -> Response:
    """Bank/cash, adjustment and sales ledgers, then the parties; ``kind`` narrows to one kind."""
    kind = request.query_params.get("kind")
    limit, skip = paging(request)

    def page(session: Session) -> Envelope:
        rows = [] if kind == "party" else _account_rows(session, caller.business_id)
        if kind not in (None, "", "party"):
            rows = [row for row in rows if row["kind"] == kind]
        if kind in (None, "", "party"):
            customers = session.execute(select(Customer).where(Customer.business_id == caller.business_id,
                                                               Customer.active).order_by(Customer.id)).scalars()
            rows += [party_row(customer) for customer in customers]
        return envelope(rows[skip:skip + limit], "Ledgers fetched successfully.")

    return fetch(caller, page)


@router.post("/ledgers")
async def create_ledger(request: Request, caller: CompanyDep) -> Response:
    """A party (``kind`` party/customer, the default) or a ``bank``/``cash`` ledger."""
    body = await read_body(request)
    fields = body.fields
    key = idempotency(request, body)
    name = values.text(fields.get("name"), field="name", limit=200)
    if name is None:
        raise InvalidInput(field="name", detail="The name field is required.")
    kind = (values.text(fields.get("kind", fields.get("ledger_type")), field="kind", limit=20) or "party").lower()
    if kind not in ("party", "customer", "bank", "cash"):
        raise InvalidInput(field="kind", detail="The kind is party, bank or cash.")

    def work(session: Session) -> Envelope:
        if kind in ("bank", "cash"):
            deposit = create_deposit_account(session, business_id=caller.business_id, name=name, kind=kind)
            row = {"id": account_ledger_id(deposit.account_id), "name": deposit.name, "kind": deposit.kind}
        else:
            customer = create_customer(
                session, business_id=caller.business_id, name=name,
                currency=values.text(fields.get("currency"), field="currency", limit=3),
                email=values.text(fields.get("email"), field="email", limit=254),
                phone=values.text(fields.get("phone_no", fields.get("phone")), field="phone_no", limit=32))
            row = party_row(customer)
        return envelope(row, "Ledger created successfully.")

    return await run_in_threadpool(mutate, caller, key, work)
