"""Vendor tests use the same two-business fixtures as the native API tests."""

from tests.api.conftest import client, other, tenant  # noqa: F401 - fixtures, found by name
