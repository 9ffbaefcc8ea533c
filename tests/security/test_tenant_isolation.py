"""Tenant isolation (BOLA): business B's key, naming business A's objects, on every route of every surface.

Each attempt must get exactly the answer an id naming nothing gets: same
status, same shape, same words once the id is swapped in; that answer is
the surface's not-found (or, for a list filter, an empty list). Afterwards
every row A has is as it was. The route table is read from the app at test
time, so a new route fails ``test_every_route_is_probed_or_takes_no_id``
until it is added to ``probes.py`` (or, naming nothing, to ``routes.NO_ID``).
"""

from __future__ import annotations

from dataclasses import fields

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from remit.attachments.storage import ContentStore
from remit.documents.models import Document
from tests.factories import read
from tests.security.books import PNG, Books, missing_books, snapshot
from tests.security.probes import all_probes
from tests.security.routes import LISTS, NO_ID, komet_methods, route_table
from tests.security.surfaces import Speaker

# No-id GET routes that hold no business data at all, so there is no list to look into.
PUBLIC = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc", "/healthz"}


def _swap(missing: Books, real: Books) -> list[tuple[str, str]]:
    """(text in a missing-id answer, text in the real-id answer), decimal and Refrens's hex alike."""
    pairs = []
    for item in fields(Books):
        gone, there = getattr(missing, item.name), getattr(real, item.name)
        if gone == there:
            continue
        pairs.append((str(gone), str(there)))
        if isinstance(gone, int):
            pairs.append((f"{gone:016x}", f"{there:016x}"))
    return pairs


def _rewrite(text: str, pairs: list[tuple[str, str]]) -> str:
    for gone, there in pairs:
        text = text.replace(gone, there)
    return text


def test_every_route_is_probed_or_takes_no_id(client: TestClient) -> None:
    present = route_table(client.app)
    probed = {probe.route for probe in all_probes()}
    assert not probed & NO_ID.keys(), f"listed as taking no id, yet probed: {sorted(probed & NO_ID.keys())}"
    covered = probed | NO_ID.keys()
    assert not present - covered, f"routes with no probe and not listed in NO_ID: {sorted(present - covered)}"
    assert not covered - present, f"probes or NO_ID entries for routes the app no longer has: {sorted(covered - present)}"
    methods = komet_methods(present)
    assert {f"/komet/api/{name}" for name in methods} <= {path for _, path in covered}
    # A no-id read that returns business data is looked into by the visibility test.
    unlisted = {path for method, path in NO_ID if method == "GET" and path not in LISTS and path not in PUBLIC
                and not path.endswith(("{path:path}", "{rest:path}", "{method}"))}
    assert not unlisted, f"no-id reads missing from routes.LISTS: {sorted(unlisted)}"
    print(f"\n[isolation] routes covered {len(present & covered)} / routes present {len(present)}: "
          f"{len(present & probed)} probed with another business's ids ({len(all_probes())} probes, "
          f"Komet RPC methods {len(methods)}), {len(present & NO_ID.keys())} take no id")


def test_another_business_ids_answer_exactly_as_missing_ones(engine: Engine, store: ContentStore, zenobia: Books,
                                                            bravo: Books, a: Speaker, b: Speaker) -> None:
    before = snapshot(engine, zenobia, store)
    missing = missing_books(zenobia)
    pairs = _swap(missing, zenobia)
    failures = []
    for probe in all_probes():
        foreign = probe.send(b, zenobia)
        absent = probe.send(b, missing)
        try:
            probe.expect(absent)
            probe.expect(foreign)
            assert foreign.status_code == absent.status_code
            assert foreign.headers.get("content-type") == absent.headers.get("content-type")
            assert foreign.text == _rewrite(absent.text, pairs), (foreign.text, absent.text)
        except AssertionError as error:
            failures.append(f"{' '.join(probe.route)}: {error}")
    after = snapshot(engine, zenobia, store)
    changed = {table: (rows, after.get(table)) for table, rows in before.items() if after.get(table) != rows}
    assert not changed, f"business A's rows changed: {changed}"
    assert not failures, "\n".join(failures)


def test_reads_reach_the_object_with_its_own_business_key(zenobia: Books, a: Speaker) -> None:
    """The control: each read probe, sent by A itself, finds the object, so B's not-found is scoping at work."""
    failures = []
    for probe in all_probes():
        if probe.route[0] != "GET":
            continue
        response = probe.send(a, zenobia)
        try:
            assert response.status_code == 200, response.text
            try:
                probe.expect(response)
            except AssertionError:
                continue
            failures.append(f"{' '.join(probe.route)}: A's own key got the not-found answer: {response.text[:200]}")
        except AssertionError as error:
            failures.append(f"{' '.join(probe.route)}: {error}")
    assert not failures, "\n".join(failures)


def test_lists_show_only_the_callers_own_books(a: Speaker, b: Speaker) -> None:
    """Every list (those that take no id included) shows B nothing of A's, and shows A its own."""
    failures = []
    for name, call in LISTS.items():
        theirs, mine = call(b), call(a)
        if theirs.status_code != 200 or mine.status_code != 200:
            failures.append(f"{name}: {theirs.status_code} {theirs.text[:200]} / {mine.status_code}")
        elif "zenobia" in theirs.text.lower():
            failures.append(f"{name}: B's list shows A's rows: {theirs.text[:300]}")
        elif "zenobia" not in mine.text.lower():
            failures.append(f"{name}: A's own list does not show A's marker, so the check proves nothing")
    assert not failures, "\n".join(failures)


def test_keepup_add_matches_only_own_customers(engine: Engine, zenobia: Books, b: Speaker) -> None:
    """A Keepup sale names its customer by phone; A's customer's phone in B's sale makes a customer of B's."""
    response = b.keepup("POST", "/sales/add", json={
        "phone_number": zenobia.phone, "customer_name": "Walk in",
        "items": [{"item_name": "Probe", "price": "10.00"}]})
    assert response.status_code == 200, response.text
    sale_id = int(response.json()["data"]["sale_id"])
    owner = read(engine, lambda s: s.execute(select(Document.business_id, Document.customer_id)
                                              .where(Document.id == sale_id)).one())
    assert owner.business_id == b.books.business and owner.customer_id != zenobia.customer


def test_shared_bytes_outlive_another_business_detaching_them(zenobia: Books, a: Speaker, b: Speaker) -> None:
    """Identical files are stored once across businesses: B detaching its copy leaves A's bytes in place."""
    mine = a.native("GET", f"/v1/payments/{zenobia.payment}/attachments/{zenobia.attachment}/content")
    assert mine.status_code == 200 and mine.content.startswith(PNG)
    uploaded = b.native("POST", f"/v1/payments/{b.books.payment}/attachments",
                        files={"file": ("copy.png", mine.content, "image/png")})
    assert uploaded.status_code == 201, uploaded.text
    detached = b.native("DELETE", f"/v1/payments/{b.books.payment}/attachments/{uploaded.json()['id']}")
    assert detached.status_code == 200, detached.text
    again = a.native("GET", f"/v1/payments/{zenobia.payment}/attachments/{zenobia.attachment}/content")
    assert again.status_code == 200 and again.content == mine.content
