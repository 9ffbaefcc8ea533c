"""What every route shares: auth, problem+json, exact JSON, unknown parameters, idempotency."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import func, select

from remit import idempotency
from remit.businesses.models import IdempotencyRecord
from remit.config import get_settings
from remit.errors import IdempotencyKeyInFlight
from remit.db import read_session, write
from tests.api.conftest import Tenant, problem


def test_missing_unknown_and_revoked_keys_are_401(tenant: Tenant) -> None:
    client = tenant.client
    problem(client.get("/v1/business"), 401, "unauthenticated")
    problem(client.get("/v1/business", headers={"Authorization": "Bearer rk_nope"}), 401, "unauthenticated")
    problem(client.get("/v1/business", headers={"Authorization": f"Basic {tenant.secret}"}), 401, "unauthenticated")
    assert client.get("/v1/business").headers["www-authenticate"].startswith("Bearer")

    created = tenant.post("/v1/api-keys", {"name": "till"})
    assert created.status_code == 201
    spare = {"Authorization": f"Bearer {created.json()['secret']}"}
    assert client.get("/v1/business", headers=spare).status_code == 200
    assert tenant.delete(f"/v1/api-keys/{created.json()['id']}").json()["revoked_at"]
    problem(client.get("/v1/business", headers=spare), 401, "unauthenticated")


def test_unknown_query_parameter_is_400_not_ignored(tenant: Tenant) -> None:
    body = problem(tenant.get("/v1/api-keys", params={"limt": "5"}), 400, "parameter_unknown")
    assert "limt" in body["detail"] and "limit" in body["detail"]
    body = problem(tenant.get("/v1/api-keys", params={"limit": "0"}), 400, "parameter_invalid")
    assert body["errors"][0]["parameter"] == "limit"


def test_malformed_json_is_400_and_nan_is_refused(tenant: Tenant) -> None:
    headers = tenant.headers({"Content-Type": "application/json"})
    problem(tenant.client.patch("/v1/business", content=b"{not json", headers=headers), 400, "body_malformed")
    problem(tenant.client.patch("/v1/business", content=b'{"write_off_tolerance": NaN}', headers=headers),
            400, "body_malformed")


def test_json_numbers_are_parsed_exactly_and_over_precision_refused(tenant: Tenant) -> None:
    # 0.1 + float noise would be 0.1000000000000000055...; a float parser would round or accept it.
    assert tenant.patch("/v1/business", {"write_off_tolerance": 0.10}).json()["write_off_tolerance"] == "0.10"
    headers = tenant.headers({"Content-Type": "application/json"})
    response = tenant.client.patch("/v1/business", content=b'{"write_off_tolerance": 0.105}', headers=headers)
    body = problem(response, 422, "amount_too_precise")
    assert body["errors"][0]["pointer"] == "/write_off_tolerance"
    assert tenant.get("/v1/business").json()["write_off_tolerance"] == "0.10"


def test_validation_errors_carry_json_pointers(tenant: Tenant) -> None:
    body = problem(tenant.patch("/v1/business", {"approval_channels": [1], "bogus": True}), 422, "validation_failed")
    pointers = {error["pointer"] for error in body["errors"]}
    assert pointers == {"/approval_channels/0", "/bogus"}


def test_malformed_path_id_is_404_like_a_missing_one(tenant: Tenant) -> None:
    problem(tenant.delete("/v1/api-keys/abc"), 404, "not_found")
    problem(tenant.delete("/v1/api-keys/999999999"), 404, "not_found")


def test_unknown_route_and_method_are_problems(tenant: Tenant) -> None:
    problem(tenant.get("/v1/nothing-here"), 404, "route_not_found")
    problem(tenant.put("/v1/business", {}), 405, "method_not_allowed")


def test_idempotent_replay_returns_the_first_response(tenant: Tenant) -> None:
    key = {"Idempotency-Key": "key-1"}
    first = tenant.post("/v1/api-keys", {"name": "pos"}, headers=key)
    again = tenant.post("/v1/api-keys", {"name": "pos"}, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true" and "idempotent-replayed" not in first.headers
    # The one difference: a key's secret is stored nowhere, not even for replays (tests/security/test_keys.py).
    assert again.json() == {**first.json(), "secret": None}
    names = [k["name"] for k in tenant.get("/v1/api-keys").json()["data"]]
    assert names.count("pos") == 1


def test_same_key_with_another_body_is_422(tenant: Tenant) -> None:
    key = {"Idempotency-Key": "key-2"}
    assert tenant.post("/v1/api-keys", {"name": "a"}, headers=key).status_code == 201
    problem(tenant.post("/v1/api-keys", {"name": "b"}, headers=key), 422, "idempotency_key_reused")


def test_keys_are_per_business(tenant: Tenant, other: Tenant) -> None:
    key = {"Idempotency-Key": "shared"}
    mine = tenant.post("/v1/api-keys", {"name": "a"}, headers=key)
    theirs = other.post("/v1/api-keys", {"name": "a"}, headers=key)
    assert theirs.status_code == 201 and "idempotent-replayed" not in theirs.headers
    assert mine.json()["id"] != theirs.json()["id"]


def test_a_failed_request_releases_its_key(tenant: Tenant, engine) -> None:  # type: ignore[no-untyped-def]
    key = {"Idempotency-Key": "key-3"}
    problem(tenant.patch("/v1/business", {"write_off_tolerance": "1.001"}, headers=key), 422, "amount_too_precise")
    with read_session(engine) as session:
        held = session.execute(select(func.count()).select_from(IdempotencyRecord).where(
            IdempotencyRecord.business_id == tenant.business_id, IdempotencyRecord.key == "key-3")).scalar_one()
    assert held == 0
    # The same request again runs afresh (and fails the same way): never a stale replay of nothing.
    problem(tenant.patch("/v1/business", {"write_off_tolerance": "1.001"}, headers=key), 422, "amount_too_precise")


def test_in_flight_key_is_409(tenant: Tenant, engine) -> None:  # type: ignore[no-untyped-def]
    # Claim the key as a concurrent first request would, then retry over HTTP while it is held.
    digest = hashlib.sha256(b"POST /v1/api-keys?\n" + b'{"name":"x"}').hexdigest()
    write(engine, lambda s: idempotency.claim(s, business_id=tenant.business_id, key="key-4", fingerprint=digest))
    response = tenant.post("/v1/api-keys", {"name": "x"}, headers={"Idempotency-Key": "key-4"})
    body = problem(response, 409, "idempotency_key_in_flight")
    assert "key-4" in body["detail"] and response.headers["retry-after"] == "1"


def test_a_claim_left_by_a_dead_process_is_taken_over_and_fences_out_its_owner(
        tenant: Tenant, engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """After kill -9 a key's claim stays in flight; once stale, a retry runs, and the old owner can never commit."""
    digest = hashlib.sha256(b"POST /v1/api-keys?\n" + b'{"name":"y"}').hexdigest()
    orphan = write(engine, lambda s: idempotency.claim(s, business_id=tenant.business_id, key="key-5",
                                                       fingerprint=digest))
    monkeypatch.setenv("REMIT_IDEMPOTENCY_STALE_AFTER_S", "0")
    get_settings.cache_clear()
    try:
        retried = tenant.post("/v1/api-keys", {"name": "y"}, headers={"Idempotency-Key": "key-5"})
    finally:
        get_settings.cache_clear()
    assert retried.status_code == 201 and "idempotent-replayed" not in retried.headers
    # Had the first owner only been slow, its commit now fails: its claim was replaced, so it rolls back.
    stored = idempotency.StoredResponse(status=201, headers={}, body="{}")
    with pytest.raises(IdempotencyKeyInFlight):
        write(engine, lambda s: idempotency.complete(s, claim_id=orphan, key="key-5", response=stored))
    replay = tenant.post("/v1/api-keys", {"name": "y"}, headers={"Idempotency-Key": "key-5"})
    assert replay.headers["idempotent-replayed"] == "true" and replay.json() == {**retried.json(), "secret": None}


def test_openapi_documents_problem_responses(tenant: Tenant) -> None:
    spec = tenant.client.get("/openapi.json").json()
    patch = spec["paths"]["/v1/business"]["patch"]["responses"]
    assert set(patch) >= {"200", "401", "422"}
    assert "application/problem+json" in patch["422"]["content"]
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    assert tenant.client.get("/docs").status_code == 200


def test_ids_beyond_bigint_name_nothing(tenant: Tenant) -> None:
    huge = 2**70
    problem(tenant.get(f"/v1/payments/{huge}"), 404, "not_found")
    problem(tenant.get(f"/v1/ledger/entries/{huge}"), 404, "not_found")
    problem(tenant.get("/v1/payments", params={"customer_id": huge}), 400, "parameter_invalid")
    problem(tenant.get("/v1/api-keys", params={"starting_after": huge}), 400, "parameter_invalid")
    body = problem(tenant.post("/v1/payments", {"customer_id": huge, "amount": "1"}), 422, "validation_failed")
    assert body["errors"][0]["pointer"] == "/customer_id"


def test_timestamps_carry_their_utc_offset(tenant: Tenant) -> None:
    created = tenant.post("/v1/api-keys", {"name": "stamp"}).json()["created_at"]
    assert created.endswith("Z"), created


def test_every_write_documents_the_idempotency_refusals(tenant: Tenant) -> None:
    spec = tenant.client.get("/openapi.json").json()
    revoke = spec["paths"]["/v1/api-keys/{key_id}"]["delete"]["responses"]
    assert {"409", "422"} <= set(revoke)
