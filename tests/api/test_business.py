"""/v1/business and /v1/api-keys."""

from __future__ import annotations

from tests.api.conftest import Tenant, problem


def test_read_and_update_settings(tenant: Tenant) -> None:
    business = tenant.get("/v1/business").json()
    assert business["id"] == tenant.business_id
    assert business["write_off_tolerance"] == "0.00" and business["cash_excess_as_change"] is True

    updated = tenant.patch("/v1/business", {"write_off_tolerance": "1.00", "approval_channels": ["web"],
                                            "cash_excess_as_change": False}).json()
    assert updated["write_off_tolerance"] == "1.00"
    assert updated["approval_channels"] == ["web"] and updated["cash_excess_as_change"] is False
    # Members left out keep their values.
    assert tenant.patch("/v1/business", {"name": "Renamed"}).json()["write_off_tolerance"] == "1.00"
    assert tenant.patch("/v1/business", {"timezone": "Europe/London"}).json()["timezone"] == "Europe/London"


def test_bad_settings_are_422_and_change_nothing(tenant: Tenant) -> None:
    body = problem(tenant.patch("/v1/business", {"approval_channels": ["fax"]}), 422, "invalid_input")
    assert body["errors"][0]["pointer"] == "/approval_channels"
    problem(tenant.patch("/v1/business", {"write_off_tolerance": "-1"}), 422, "amount_negative")
    problem(tenant.patch("/v1/business", {"name": "  "}), 422, "invalid_input")
    problem(tenant.patch("/v1/business", {"timezone": "Mars/Olympus_Mons"}), 422, "invalid_input")
    assert tenant.get("/v1/business").json()["approval_channels"] == []


def test_api_keys_list_create_revoke(tenant: Tenant) -> None:
    created = tenant.post("/v1/api-keys", {"name": "till"}).json()
    assert created["secret"].startswith(created["prefix"])
    listed = tenant.get("/v1/api-keys").json()
    assert listed["object"] == "list" and listed["has_more"] is False
    assert {k["name"] for k in listed["data"]} == {"default", "till"}
    assert all("secret" not in k for k in listed["data"])
    assert tenant.delete(f"/v1/api-keys/{created['id']}").json()["revoked_at"] is not None


def test_api_keys_page_with_cursors(tenant: Tenant) -> None:
    for n in range(4):
        tenant.post("/v1/api-keys", {"name": f"k{n}"})
    first = tenant.get("/v1/api-keys", params={"limit": 2}).json()
    assert [k["name"] for k in first["data"]] == ["default", "k0"] and first["has_more"]
    second = tenant.get("/v1/api-keys", params={"limit": 2, "starting_after": first["data"][-1]["id"]}).json()
    assert [k["name"] for k in second["data"]] == ["k1", "k2"] and second["has_more"]
    back = tenant.get("/v1/api-keys", params={"limit": 2, "ending_before": second["data"][0]["id"]}).json()
    assert back["data"] == first["data"]
    problem(tenant.get("/v1/api-keys", params={"starting_after": 10**9}), 400, "parameter_invalid")


def test_another_business_sees_neither_settings_nor_keys(tenant: Tenant, other: Tenant) -> None:
    mine = tenant.post("/v1/api-keys", {"name": "mine"}).json()
    assert other.get("/v1/business").json()["id"] == other.business_id
    problem(other.delete(f"/v1/api-keys/{mine['id']}"), 404, "not_found")
    assert "mine" not in {k["name"] for k in other.get("/v1/api-keys").json()["data"]}
    assert tenant.get("/v1/api-keys").json()["data"][-1]["revoked_at"] is None
