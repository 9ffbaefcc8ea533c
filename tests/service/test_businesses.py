"""API keys: stored hashed, shown once, revocable, never across businesses."""

import pytest
from sqlalchemy import select

from remit.businesses.models import ApiKey
from remit.businesses.service import authenticate, create_api_key, hash_key, revoke_api_key
from remit.errors import NotFound
from tests.factories import make_business


def test_a_key_is_stored_only_as_its_hash_and_authenticates(session):
    business = make_business(session)
    issued = create_api_key(session, business_id=business.id, name="ci")
    session.commit()
    stored = session.execute(select(ApiKey).where(ApiKey.id == issued.key.id)).scalar_one()
    assert stored.key_hash == hash_key(issued.secret) and issued.secret not in (stored.key_hash, stored.prefix)
    assert issued.secret.startswith(stored.prefix)
    assert authenticate(session, issued.secret).business_id == business.id
    assert authenticate(session, issued.secret + "x") is None


def test_a_revoked_key_no_longer_authenticates(session):
    business = make_business(session)
    issued = create_api_key(session, business_id=business.id)
    revoke_api_key(session, business_id=business.id, key_id=issued.key.id)
    session.commit()
    assert authenticate(session, issued.secret) is None


def test_another_business_cannot_revoke_a_key(session):
    owner, other = make_business(session), make_business(session)
    issued = create_api_key(session, business_id=owner.id)
    with pytest.raises(NotFound):
        revoke_api_key(session, business_id=other.id, key_id=issued.key.id)
    session.rollback()
