"""/v1/payments/{id}/attachments: upload, list, read, download, detach.

The content store is pointed at ``tmp_path`` through ``app.state.data_dir``.
Payments are made with the services, not the payments API.
"""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from remit.attachments.models import Attachment
from remit.attachments.types import CSV, JPEG, MAX_BYTES, PDF, PNG, WEBP, XLSX
from remit.businesses.models import Business
from remit.db import write
from remit.payments.service import void_payment
from tests.api.conftest import Tenant, problem
from tests.factories import event_count, make_customer, make_invoice, pay, read
from tests.unit.test_attachment_types import ELF, SAMPLES


@pytest.fixture(autouse=True)
def store(client, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    client.app.state.data_dir = tmp_path
    return tmp_path / "attachments"


def make_payment(engine: Engine, tenant: Tenant, amount: str = "100.00") -> int:
    def work(s):  # type: ignore[no-untyped-def]
        business = s.get(Business, tenant.business_id)
        customer = make_customer(s, business)
        invoice = make_invoice(s, business, customer, total="100.00")
        return pay(s, business, customer, amount, to=[(invoice, "100.00")]).id

    return write(engine, work)


def upload(tenant: Tenant, payment_id: int, data: bytes, name: str = "receipt.pdf",
           claimed: str = "application/pdf", **kw):  # type: ignore[no-untyped-def]
    return tenant.post(f"/v1/payments/{payment_id}/attachments", files={"file": (name, data, claimed)}, **kw)


def stored_files(store: Path) -> list[Path]:
    """Files in the content store (staging leftovers included, so a failed upload must leave none)."""
    return sorted(p for p in store.rglob("*") if p.is_file()) if store.exists() else []


def rows(engine: Engine, business_id: int) -> int:
    return read(engine, lambda s: s.execute(select(func.count()).select_from(Attachment)
                                            .where(Attachment.business_id == business_id)).scalar_one())


def test_upload_list_read_and_download(engine: Engine, tenant: Tenant, store: Path) -> None:
    payment_id = make_payment(engine, tenant)
    data = SAMPLES[PDF]
    resp = upload(tenant, payment_id, data, name="Remittance Nov.pdf")
    assert resp.status_code == 201, resp.text
    body = resp.json()
    digest = hashlib.sha256(data).hexdigest()
    assert body["object"] == "attachment" and body["payment_id"] == payment_id
    assert (body["filename"], body["content_type"], body["size_bytes"], body["sha256"]) == (
        "Remittance Nov.pdf", PDF, len(data), digest)
    assert resp.headers["location"] == f"/v1/payments/{payment_id}/attachments/{body['id']}"
    assert stored_files(store) == [store / digest[:2] / digest]

    listed = tenant.get(f"/v1/payments/{payment_id}/attachments").json()
    assert listed["object"] == "list" and listed["data"] == [body] and listed["has_more"] is False
    assert tenant.get(resp.headers["location"]).json() == body

    content = tenant.get(body["url"])
    assert content.status_code == 200 and content.content == data
    assert content.headers["content-type"] == PDF
    assert content.headers["content-disposition"] == (
        "attachment; filename=\"Remittance Nov.pdf\"; filename*=UTF-8''Remittance%20Nov.pdf")
    assert content.headers["x-content-type-options"] == "nosniff"
    assert read(engine, lambda s: event_count(s, tenant.business_id, "payment.attachment_added", payment_id)) == 1


@pytest.mark.parametrize("content_type", [PNG, JPEG, WEBP, XLSX, CSV])
def test_every_allowed_type_is_taken_whatever_it_is_called(engine: Engine, tenant: Tenant,
                                                          content_type: str) -> None:
    payment_id = make_payment(engine, tenant)
    resp = upload(tenant, payment_id, SAMPLES[content_type], name="scan.bin", claimed="application/octet-stream")
    assert resp.status_code == 201, resp.text
    assert resp.json()["content_type"] == content_type
    assert tenant.get(resp.json()["url"]).headers["content-type"].startswith(content_type)


def test_type_comes_from_the_bytes_not_the_name_or_claim(engine: Engine, tenant: Tenant, store: Path) -> None:
    payment_id = make_payment(engine, tenant)
    png = upload(tenant, payment_id, SAMPLES[PNG], name="receipt.pdf", claimed="application/pdf").json()
    assert png["content_type"] == PNG and png["filename"] == "receipt.pdf"

    before = stored_files(store)
    problem(upload(tenant, payment_id, ELF, name="invoice.pdf"), 415, "attachment_type_not_allowed")
    problem(upload(tenant, payment_id, b"This is not a PDF.\nIt only says it is one.\n", name="statement.pdf"),
            415, "attachment_type_not_allowed")
    assert stored_files(store) == before
    assert rows(engine, tenant.business_id) == 1


def test_size_limit_is_exact_and_refused_with_413(engine: Engine, tenant: Tenant, store: Path) -> None:
    payment_id = make_payment(engine, tenant)
    largest = SAMPLES[PNG] + bytes(MAX_BYTES - len(SAMPLES[PNG]))
    assert upload(tenant, payment_id, largest, name="big.png").json()["size_bytes"] == MAX_BYTES
    body = problem(upload(tenant, payment_id, largest + b"\x00", name="bigger.png"), 413, "attachment_too_large")
    assert str(MAX_BYTES) in body["detail"]
    assert rows(engine, tenant.business_id) == 1 and len(stored_files(store)) == 1


def test_a_streamed_upload_is_cut_off_once_past_the_limit(engine: Engine, tenant: Tenant, store: Path) -> None:
    """Without Content-Length (chunked), reading stops once the body passes the limit."""
    payment_id = make_payment(engine, tenant)
    def body():  # type: ignore[no-untyped-def]
        yield b'--B\r\nContent-Disposition: form-data; name="file"; filename="huge.png"\r\n\r\n' + SAMPLES[PNG]
        for _ in range(40):  # 40 MiB offered
            yield bytes(1024 * 1024)
        yield b"\r\n--B--\r\n"

    resp = tenant.client.post(f"/v1/payments/{payment_id}/attachments", content=body(),
                              headers=tenant.headers({"Content-Type": "multipart/form-data; boundary=B"}))
    problem(resp, 413, "attachment_too_large")
    assert stored_files(store) == [] and rows(engine, tenant.business_id) == 0


def test_empty_missing_and_malformed_uploads_are_422(engine: Engine, tenant: Tenant, store: Path) -> None:
    payment_id = make_payment(engine, tenant)
    url = f"/v1/payments/{payment_id}/attachments"
    body = problem(upload(tenant, payment_id, b""), 422, "attachment_empty")
    assert body["errors"][0]["pointer"] == "/file"
    problem(tenant.post(url, {"file": "receipt.pdf"}), 422, "attachment_missing")
    problem(tenant.post(url, files={"document": ("r.pdf", SAMPLES[PDF], PDF)}), 422, "attachment_missing")
    problem(tenant.post(url, files=[("file", ("a.pdf", SAMPLES[PDF], PDF)), ("file", ("b.pdf", SAMPLES[PDF], PDF))]),
            422, "upload_malformed")
    problem(tenant.post(url, content=b"garbage", headers={"Content-Type": "multipart/form-data"}),
            422, "upload_malformed")
    problem(tenant.post(url, files={"file": ("r.pdf", SAMPLES[PDF], PDF)}, params={"kind": "x"}),
            400, "parameter_unknown")
    assert stored_files(store) == [] and rows(engine, tenant.business_id) == 0


def test_identical_content_is_stored_once_and_kept_while_attached(engine: Engine, tenant: Tenant, other: Tenant,
                                                                   store: Path) -> None:
    first, second = make_payment(engine, tenant), make_payment(engine, tenant)
    theirs = make_payment(engine, other)
    # Bytes no other test attaches: the database is shared, and live rows anywhere keep a file.
    data = SAMPLES[CSV] + f"{uuid.uuid4()},1.00,2026-11-22\n".encode()
    a = upload(tenant, first, data, name="a.csv").json()
    b = upload(tenant, second, data, name="b.csv").json()
    c = upload(other, theirs, data, name="c.csv").json()
    assert a["sha256"] == b["sha256"] == c["sha256"] and a["id"] != b["id"]
    assert len(stored_files(store)) == 1

    assert tenant.delete(f"/v1/payments/{first}/attachments/{a['id']}").json() == {"id": a["id"], "deleted": True}
    problem(tenant.get(f"/v1/payments/{first}/attachments/{a['id']}"), 404, "not_found")
    problem(tenant.get(a["url"]), 404, "not_found")
    problem(tenant.delete(f"/v1/payments/{first}/attachments/{a['id']}"), 404, "not_found")
    assert tenant.get(f"/v1/payments/{first}/attachments").json()["data"] == []
    assert read(engine, lambda s: event_count(s, tenant.business_id, "payment.attachment_removed", first)) == 1
    # Still attached elsewhere (in this business and in another): the bytes stay.
    assert tenant.get(b["url"]).content == data
    tenant.delete(f"/v1/payments/{second}/attachments/{b['id']}")
    assert len(stored_files(store)) == 1 and other.get(c["url"]).content == data
    other.delete(f"/v1/payments/{theirs}/attachments/{c['id']}")
    assert stored_files(store) == []
    # The rows stay as history; attaching the same bytes again stores them again.
    assert rows(engine, tenant.business_id) == 2
    again = upload(tenant, first, data, name="a.csv").json()
    assert tenant.get(again["url"]).content == data


def test_another_business_sees_none_of_it(engine: Engine, tenant: Tenant, other: Tenant, store: Path) -> None:
    payment_id = make_payment(engine, tenant)
    their_payment = make_payment(engine, other)
    mine = upload(tenant, payment_id, SAMPLES[PDF]).json()
    base = f"/v1/payments/{payment_id}/attachments"
    problem(other.get(base), 404, "not_found")
    problem(upload(other, payment_id, SAMPLES[PNG], name="x.png"), 404, "not_found")
    problem(other.get(f"{base}/{mine['id']}"), 404, "not_found")
    problem(other.get(f"{base}/{mine['id']}/content"), 404, "not_found")
    problem(other.delete(f"{base}/{mine['id']}"), 404, "not_found")
    # Their own payment id does not reach my attachment either.
    problem(other.get(f"/v1/payments/{their_payment}/attachments/{mine['id']}"), 404, "not_found")
    problem(other.delete(f"/v1/payments/{their_payment}/attachments/{mine['id']}"), 404, "not_found")
    # Nor does another payment of my own, or an id that is not a number.
    problem(tenant.get(f"/v1/payments/{make_payment(engine, tenant)}/attachments/{mine['id']}"), 404, "not_found")
    problem(tenant.get(f"{base}/nope"), 404, "not_found")
    problem(upload(tenant, 10**12, SAMPLES[PDF]), 404, "not_found")
    assert tenant.get(mine["url"]).content == SAMPLES[PDF]
    assert rows(engine, other.business_id) == 0 and len(stored_files(store)) == 1


def test_a_void_payment_keeps_and_takes_attachments(engine: Engine, tenant: Tenant) -> None:
    payment_id = make_payment(engine, tenant)
    kept = upload(tenant, payment_id, SAMPLES[PDF]).json()
    write(engine, lambda s: void_payment(s, business_id=tenant.business_id, payment_id=payment_id))
    added = upload(tenant, payment_id, SAMPLES[JPEG], name="slip.jpg")
    assert added.status_code == 201, added.text
    listed = tenant.get(f"/v1/payments/{payment_id}/attachments", params={"limit": 1}).json()
    assert listed["data"] == [kept] and listed["has_more"] is True
    after = tenant.get(f"/v1/payments/{payment_id}/attachments",
                       params={"starting_after": kept["id"]}).json()
    assert [a["id"] for a in after["data"]] == [added.json()["id"]]


def test_an_upload_retried_with_its_key_is_replayed(engine: Engine, tenant: Tenant) -> None:
    payment_id = make_payment(engine, tenant)
    key = {"Idempotency-Key": "upload-1"}
    first = upload(tenant, payment_id, SAMPLES[PDF], headers=key)
    again = upload(tenant, payment_id, SAMPLES[PDF], headers=key)
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    problem(upload(tenant, payment_id, SAMPLES[PNG], headers=key), 422, "idempotency_key_reused")
    assert rows(engine, tenant.business_id) == 1
