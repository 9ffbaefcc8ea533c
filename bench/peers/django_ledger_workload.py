"""B3's workload on django-ledger, run inside that library's own virtualenv.

    <venv>/bin/python bench/peers/django_ledger_workload.py --n N --db PATH

prints one JSON object on its last line (see bench/b3_peers.py). The block marked "the workload" is the same
in every bench/peers/*_workload.py: this script runs where Remit is not installed, so it cannot import it, and
b3_peers checks that all sides report the same invoiced and paid totals.

The library's model: an accrual-basis EntityModel with the default chart of accounts, 100 CustomerModels and
one service ItemModel. An invoice is create_invoice, one item transaction, review, approval; a payment is
make_payment (partial) or mark_as_paid (full), inside one transaction.atomic(). The library has no call for a
customer's balance, so the query sums amount_due - amount_paid over the customer's invoices.
"""

from __future__ import annotations

import os
import sys
import time
from decimal import Decimal
from pathlib import Path

LIBRARY = "django-ledger"

from workload import CUSTOMERS, invoice_amount, main, payment_amount, report


def set_up_django(db: str) -> None:
    os.environ["B3_DJANGO_DB"] = db
    os.environ["DJANGO_SETTINGS_MODULE"] = "django_settings"
    sys.path.insert(0, str(Path(__file__).resolve().parent))  # django_settings.py sits beside this script
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def run(n: int, db: str) -> dict:
    from importlib.metadata import version

    set_up_django(db)
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.db.models import DecimalField, F, Sum
    from django_ledger.io import roles
    from django_ledger.models import EntityModel, InvoiceModel, ItemModel

    user = get_user_model().objects.create_user(username="bench")
    entity = EntityModel.create_entity(name="Bench Traders", use_accrual_method=True, admin=user, fy_start_month=1)
    entity.create_chart_of_accounts(assign_as_default=True, commit=True)
    entity.populate_default_coa(activate_accounts=True)
    customers = [entity.create_customer(customer_model_kwargs={"customer_name": f"Customer {c}"})
                 for c in range(CUSTOMERS)]

    # entity.create_item_service() fails on the default chart (MultipleObjectsReturned); the library's own
    # sample-data generator builds its items this way instead.
    accounts = entity.get_coa_accounts()
    item = ItemModel(name="Goods", uom=entity.create_uom(name="Unit", unit_abbr="unit"),
                     item_role=ItemModel.ITEM_ROLE_SERVICE, entity=entity, is_product_or_service=True,
                     for_inventory=False, earnings_account=accounts.filter(role=roles.INCOME_OPERATIONAL).first(),
                     cogs_account=accounts.filter(role=roles.COGS_REGULAR).first())
    item.full_clean()
    item.save()

    def invoice(i: int) -> InvoiceModel:
        # create_invoice saves and numbers the invoice in transactions of its own (the numbering one is durable),
        # so it cannot join the one below.
        doc = entity.create_invoice(customer_model=customers[i % CUSTOMERS], terms=InvoiceModel.TERMS_ON_RECEIPT)
        amount = invoice_amount(i)
        with transaction.atomic():
            doc.migrate_itemtxs(itemtxs={item.item_number: {"unit_cost": amount, "quantity": 1,
                                                            "total_amount": amount}},
                                operation=InvoiceModel.ITEMIZE_APPEND, commit=True)
            doc.mark_as_review(commit=True)
            doc.mark_as_approved(entity_slug=entity.slug, user_model=user, commit=True)
        return doc

    started = time.perf_counter()
    invoices = [invoice(i) for i in range(n)]
    invoice_seconds = time.perf_counter() - started

    started = time.perf_counter()
    for i, doc in enumerate(invoices):
        with transaction.atomic():
            if payment_amount(i) == invoice_amount(i):
                doc.mark_as_paid(entity_slug=entity.slug, user_model=user, commit=True)
            else:
                doc.make_payment(payment_amount(i), commit=True)
    payment_seconds = time.perf_counter() - started

    owed = Sum(F("amount_due") - F("amount_paid"), output_field=DecimalField(max_digits=20, decimal_places=2))

    def balances() -> list[Decimal]:
        return [InvoiceModel.objects.filter(customer=customer).aggregate(owed=owed)["owed"] or Decimal(0)
                for customer in customers]

    return report(library=LIBRARY, version=version("django-ledger"), n=n, invoice_seconds=invoice_seconds,
                  payment_seconds=payment_seconds, balances=balances, notes=[
        ("invoice: create_invoice commits four times by itself (its numbering is a durable transaction, so it "
         "cannot join an outer one), then items, review and approval in one transaction.atomic(): five "
         "transactions per invoice"),
        "payment: make_payment (partial) or mark_as_paid (full) in one transaction.atomic()",
        "no overpayment (a payment above the amount due raises) and no payment discount",
        "no balance call: the query sums amount_due - amount_paid over the customer's invoices",
        "SQLite WAL + synchronous=FULL through Django's init_command",
        "amounts are Django DecimalFields, which SQLite stores as REAL (floating point)",
        f"Django {version('django')}",
    ])


if __name__ == "__main__":
    main(run, LIBRARY)
