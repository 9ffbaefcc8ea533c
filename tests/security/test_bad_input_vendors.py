"""The bad-input catalogue on every vendor surface, on SQLite and PostgreSQL.

Each surface is one ``Surface`` (``tests.security.vendor_checks``): its writes and reads, its bad values (its own
date format among them) and how it refuses. Their rows are in ``bad_keepup_refrens_komet.py`` and
``bad_hisabkitab_zoho.py``; the values every surface gets are ``tests.security.bad_inputs``.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.security import bad_inputs
from tests.security.bad_hisabkitab_zoho import HISABKITAB, HISABKITAB_SURFACE, ZOHO_SURFACE, receipt_form
from tests.security.bad_inputs import TRIED, Books, open_books, row_counts
from tests.security.bad_keepup_refrens_komet import KEEPUP_SURFACE, KOMET_SURFACE, REFRENS_SURFACE
from tests.security.vendor_checks import (
    Surface,
    check_bodies,
    check_queries,
    check_ten_megabytes,
    check_unknown_ignored,
    check_valid_as_sent,
    check_writes,
)

figure = bad_inputs.figure
_serial = itertools.count(1)
SURFACES = [KEEPUP_SURFACE, REFRENS_SURFACE, HISABKITAB_SURFACE, KOMET_SURFACE, ZOHO_SURFACE]


@pytest.fixture
def books(engine: Engine) -> Books:
    return open_books(engine, f"bad-vendor-{next(_serial)}-{id(engine) % 10**6}")


@pytest.mark.parametrize("surface", SURFACES, ids=str)
def test_every_bad_value_in_every_write_is_refused(client: TestClient, engine: Engine, books: Books,
                                                    surface: Surface) -> None:
    check_writes(client, engine, books, surface)


@pytest.mark.parametrize("surface", SURFACES, ids=str)
def test_malformed_and_non_object_bodies_are_refused(client: TestClient, engine: Engine, books: Books,
                                                     surface: Surface) -> None:
    check_bodies(client, engine, books, surface)


@pytest.mark.parametrize("surface", SURFACES, ids=str)
def test_every_bad_query_is_refused(client: TestClient, engine: Engine, books: Books, surface: Surface) -> None:
    check_queries(client, engine, books, surface)


@pytest.mark.parametrize("surface", SURFACES, ids=str)
def test_ten_megabyte_bodies_are_refused_before_they_are_read(client: TestClient, engine: Engine, books: Books,
                                                              surface: Surface) -> None:
    check_ten_megabytes(client, engine, books, surface)


@pytest.mark.parametrize("surface", [s for s in SURFACES if s.ignores_unknown], ids=str)
def test_unknown_query_parameters_are_ignored_safely(client: TestClient, engine: Engine, books: Books,
                                                     surface: Surface) -> None:
    check_unknown_ignored(client, engine, books, surface)


@pytest.mark.parametrize("surface", SURFACES, ids=str)
def test_the_requests_the_catalogue_corrupts_are_valid_as_sent(client: TestClient, engine: Engine,
                                                               surface: Surface) -> None:
    check_valid_as_sent(client, engine, surface, f"bad-vendor-control-{next(_serial)}-{id(engine) % 10**6}")


# -- HisabKitab's receipt upload ---------------------------------------------------------------

PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(56)
RECEIPT_FILES = [
    ("11 MB", ("slip.pdf", b"%PDF-1.7\n" + bytes(11 * 1024 * 1024) + b"\n%%EOF\n", "application/pdf"), 413),
    ("PDF magic over an executable", ("slip.pdf", b"%PDF-1.7\n" + ELF * 64, "application/pdf"), 422),
    ("executable called a PDF", ("slip.pdf", ELF, "application/pdf"), 422),
    ("page of script called a JPEG", ("slip.jpg", b"<script>alert(1)</script>", "image/jpeg"), 422),
]


@pytest.mark.parametrize("label, file, status", RECEIPT_FILES, ids=[f[0] for f in RECEIPT_FILES])
def test_bad_receipt_attachments_are_refused(client: TestClient, engine: Engine, books: Books, tmp_path: Path,
                                             label: str, file: tuple[str, bytes, str], status: int) -> None:
    """``upload_receipt_invoice`` on a receipt: the receipt is not written either."""
    before = row_counts(engine)
    response = client.post(f"{HISABKITAB}/receipt-transactions", headers={"ApiKey": books.secret},
                        files=[*((n, (None, v)) for n, v in receipt_form(books)), ("upload_receipt_invoice", file)])
    TRIED[engine.dialect.name] += 1
    assert response.status_code == status, response.text[:300]
    body = response.json()
    assert body["success"] is False and "upload_receipt_invoice" in body["errors"], body
    assert row_counts(engine) == before
    stored = tmp_path / "attachments"
    assert not stored.exists() or not [p for p in stored.rglob("*") if p.is_file()], "a refused upload left bytes"
