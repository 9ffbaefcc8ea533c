"""Importing customers and documents, and what makes a file unreadable as a whole."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from remit.check import check_business
from remit.customers.models import Customer
from remit.documents.models import Document
from remit.imports.errors import ImportFileInvalid
from tests.factories import read, row_counts
from tests.imports.conftest import Shop


def test_customers_are_created_with_their_import_id_and_a_reimport_is_a_no_op(shop: Shop) -> None:
    text = ("external_id,name,email,phone,currency,code\n"
            "CUST-9,Chen Imports,chen@imports.example,,usd,CHEN\n"
            "CUST-10,Devi Textiles,,+91 98000 00000,,\n")
    result = shop.run("customers", text)
    assert (result.created, result.already_imported, result.errors) == (2, 0, [])
    rows = read(shop.engine, lambda s: s.execute(select(Customer.name, Customer.currency, Customer.code,
                                                        Customer.metadata_).where(
        Customer.business_id == shop.business_id, Customer.name.in_(["Chen Imports", "Devi Textiles"]))
        .order_by(Customer.name)).all())
    assert [tuple(row) for row in rows] == [("Chen Imports", "USD", "CHEN", {"import_id": "CUST-9"}),
                                            ("Devi Textiles", "INR", None, {"import_id": "CUST-10"})]
    again = shop.run("customers", text)
    assert (again.created, again.already_imported) == (0, 2)


def test_bad_customer_rows_are_each_reported(shop: Shop) -> None:
    text = ("external_id,name,email,currency,code\n"
            "N1,,,,\n"
            "N2,Eka,not-an-email,,\n"
            "N3,Eka,,XXX,\n"
            "N4,Eka,,,ASHA\n"
            "N5,Eka,,,NEW\n"
            "N6,Fay,,,NEW\n"
            f"N7,{'x' * 201},,,\n")
    before = read(shop.engine, lambda s: row_counts(s, shop.business_id))
    result = shop.run("customers", text)
    assert [str(error) for error in result.errors] == [
        "line 2: name is required",
        'line 3: email "not-an-email" is not an email address',
        'line 4: currency "XXX" is not an ISO 4217 currency code',
        f'line 5: code "ASHA" is already taken by customer {shop.customer("ASHA")} (Asha Stores)',
        'line 7: code "NEW" is already taken by line 6',
        "line 8: name is at most 200 characters (got 201)",
    ]
    assert result.refused and read(shop.engine, lambda s: row_counts(s, shop.business_id)) == before


def test_documents_are_issued_with_their_totals(shop: Shop) -> None:
    text = ("external_id,customer,kind,number,date,due_date,description,quantity,unit_price,tax_rate,reference\n"
            "D-10,ASHA,sale,,2026-04-01,2026-04-30,Saree,3,1200.50,5,PO 7\n"
            "D-11,CUST-2,debit_note,DN-77,2026-04-02,,Freight,1,99.99,,\n")
    result = shop.run("documents", text)
    assert (result.created, result.errors) == (2, [])
    rows = read(shop.engine, lambda s: s.execute(select(
        Document.kind, Document.number, Document.status, Document.total_minor, Document.tax_minor, Document.channel,
        Document.reference, Document.metadata_).where(Document.business_id == shop.business_id,
                                                      Document.kind != "invoice").order_by(Document.id)).all())
    # 3 x 1200.50 = 3601.50, tax 5% = 180.075 -> 180.08 (line arithmetic rounds once, half up).
    assert [tuple(row) for row in rows] == [
        ("sale", "SALE-00001", "open", 378158, 18008, "import", "PO 7", {"import_id": "D-10"}),
        ("debit_note", "DN-77", "open", 9999, 0, "import", None, {"import_id": "D-11"})]
    assert read(shop.engine, lambda s: check_business(s, shop.business_id)) == []


def test_bad_document_rows_are_each_reported(shop: Shop) -> None:
    text = ("external_id,customer,kind,number,date,due_date,description,quantity,unit_price,tax_rate,currency\n"
            "E1,NOBODY,,,2026-04-01,,Rice,1,10.00,,\n"
            "E2,ASHA,quote,,2026-04-01,,Rice,1,10.00,,\n"
            "E3,ASHA,,INV-1,2026-04-01,,Rice,1,10.00,,\n"
            "E4,ASHA,,INV-50,2026-04-01,,Rice,1,10.00,,\n"
            "E5,ASHA,,INV-50,2026-04-01,,Rice,1,10.00,,\n"
            "E6,ASHA,,,2026-04-10,2026-04-01,Rice,1,10.00,,\n"
            "E7,ASHA,,,2026-04-01,,Rice,1,10.001,,\n"
            "E8,ASHA,,,2026-04-01,,Rice,1.0000001,10.00,,\n"
            "E9,ASHA,,,2026-04-01,,Rice,1,10.00,150,\n"
            "E10,ASHA,,,2026-04-01,,,1,10.00,,\n"
            "E11,ASHA,,,2026-04-01,,Rice,1,10.00,,USD\n")
    result = shop.run("documents", text)
    assert [str(error) for error in result.errors] == [
        'line 2: customer "NOBODY" is neither the external_id nor the code of a customer',
        'line 3: kind "quote" is not one of invoice, sale, debit_note',
        f'line 4: number "INV-1" is already taken by invoice {shop.document_id("INV-1")}',
        'line 6: number "INV-50" is already taken by line 5',
        "line 7: due_date 2026-04-01 is before the date 2026-04-10",
        'line 8: unit_price "10.001" has more decimals than INR allows (2)',
        'line 9: quantity "1.0000001": quantity allows at most 6 decimals',
        'line 10: tax_rate "150": tax_rate is a percentage from 0 to 100 with at most 4 decimals',
        "line 11: description is required",
        'line 12: currency "USD" is not the customer\'s currency INR',
    ]
    assert result.refused and result.created == 0


def test_a_customer_in_another_currency_needs_its_rate(shop: Shop) -> None:
    assert shop.run("customers", "external_id,name,currency,code\nCUST-U,Chen Imports,USD,CHEN\n").created == 1
    text = ("external_id,customer,date,description,unit_price,exchange_rate\n"
            "U1,CHEN,2026-04-01,Tea,100.00,\n"
            "U2,CHEN,2026-04-01,Tea,100.00,83.25\n")
    result = shop.run("documents", text, skip_invalid=True)
    assert [str(error) for error in result.errors] == [
        "line 2: exchange_rate: an exchange rate to INR is required for USD"]
    assert result.created == 1
    assert read(shop.engine, lambda s: check_business(s, shop.business_id)) == []


@pytest.mark.parametrize(("data", "reason"), [
    (b"", "the file is empty; it needs a header row and then one row per record."),
    (b"external_id,name,nickname,age\nX,Y,Z,1\n", ("line 1: unknown column(s) nickname, age; the columns are "
                                                    "external_id, name, email, phone, currency, code.")),
    (b"external_id,email\nX,a@b.example\n", "line 1: the header lacks the required column(s) name."),
    (b"external_id,name,Name\n", "line 1: the header names name more than once."),
    (b"name,external_id\n\xe9t\xe9,X\n", "line 2: the file is not UTF-8 text (byte 0xe9); save it as CSV UTF-8."),
    (b'external_id,name\nX,"Unterminated\n', "line 2: the CSV is malformed (unexpected end of data)."),
])
def test_a_file_that_is_no_csv_remit_can_read_is_refused_whole(shop: Shop, data: bytes, reason: str) -> None:
    with pytest.raises(ImportFileInvalid) as refused:
        shop.run("customers", data)
    assert refused.value.detail == reason and refused.value.field == "file"


def test_spreadsheet_habits_are_understood(shop: Shop) -> None:
    """A byte-order mark, CRLF line ends, header case and spaces, blank rows and padded cells."""
    data = "\ufeffExternal_ID , Name,Code\r\n\r\nS1 ,  Gita Stores ,GITA\r\n,,\r\n".encode()
    result = shop.run("customers", data)
    assert (result.rows, result.created, result.errors) == (1, 1, [])
    assert shop.customer("GITA")
