"""Users, tokens and the geodata lookups through their services, on SQLite and PostGIS: the
queries live in ``storage/users.py`` and ``storage/geodata.py`` (issue 11: services build no SQL)."""

from __future__ import annotations

import pytest

from hazatlas.domain.access import ANONYMOUS, Role
from hazatlas.domain.errors import ConflictError, NotFoundError, ValidationError
from hazatlas.services import geodata, store, users


def test_users_and_tokens_round_trip(db):
    users.create_user(db, "ro", "national", password="pw-1", country="ROU")
    users.create_user(db, "op", "operator", establishment_id="RO-1")
    with pytest.raises(ConflictError, match="already exists"):
        users.create_user(db, "ro", "public")
    with pytest.raises(ValidationError, match="country"):
        users.create_user(db, "xx", "national")
    assert [u["username"] for u in users.list_users(db)] == ["op", "ro"]

    who = users.authenticate(db, "ro", "pw-1")
    assert who is not None and who.role is Role.NATIONAL and who.country_iso3 == "ROU"
    assert who.party == geodata.convention_parties()["ROU"]
    assert users.authenticate(db, "ro", "wrong") is None
    assert users.authenticate(db, "op", "") is None  # no password set

    a, b = users.issue_token(db, "ro", label="a"), users.issue_token(db, "ro", label="b")
    assert users.principal_for_token(db, a).username == "ro"
    assert users.token_expiry(db, a) is not None and users.token_expiry(db, "nope") is None
    assert users.principal_for_token(db, None) is ANONYMOUS
    assert users.principal_for_token(db, "nope") is None
    assert users.revoke_tokens(db, "ro", token=a) == 1
    assert users.principal_for_token(db, a) is None
    assert users.principal_for_token(db, b).username == "ro"
    assert users.revoke_tokens(db, "ro") == 1 and users.revoke_tokens(db, "ro") == 0
    with pytest.raises(NotFoundError):
        users.issue_token(db, "ghost")
    with pytest.raises(NotFoundError):
        users.principal_for_user(db, "ghost")


def test_country_names_come_from_the_loaded_countries(db):
    names = geodata.country_names(db)
    assert names["ROU"] == "Romania" and len(names) == len(geodata.packaged_countries())


def test_open_database_migrates_only_when_asked(tmp_path):
    plain = store.open_database(tmp_path / "a.sqlite")
    assert plain.current_revision() is None
    plain.dispose()
    migrated = store.open_database(tmp_path / "b.sqlite", migrate=True)
    assert migrated.current_revision() is not None and migrated.dialect == "sqlite"
    migrated.dispose()
