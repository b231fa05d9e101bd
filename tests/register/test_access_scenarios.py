"""Model runs linked to an establishment are read under the same rule as its history: by users
entitled to its confidential fields when the run was stored and now; after the establishment is
deleted, by administrators only. SQLite and PostGIS."""

from __future__ import annotations

import dataclasses

import pytest
from fastapi.testclient import TestClient

from hazatlas.api.app import create_app
from hazatlas.domain.access import SYSTEM
from hazatlas.domain.establishment import Disclosure, Establishment, Provenance
from hazatlas.services import scenarios, users
from hazatlas.services.register import RegisterService
from hazatlas.services.settings import Settings

SITE = Establishment(id="RS-SC-1", name="Run depot", country_iso3="SRB", lon=20.69, lat=44.837,
                     disclosure=Disclosure.NATIONAL, provenance=Provenance("test"))
PARAMS = {"substance": "RUNSECRET", "mass_kg": 123456.0}


@pytest.fixture
def client(db):
    users.create_user(db, "rs", "national", country="SRB")
    users.create_user(db, "admin", "administrator")
    tokens = {u: users.issue_token(db, u) for u in ("rs", "admin")}
    with TestClient(create_app(Settings(database_url=db.url), db)) as c:
        c.tokens, c.db = tokens, db
        yield c


def read(client, sid: str, user: str | None = None) -> int:
    headers = {"Authorization": f"Bearer {client.tokens[user]}"} if user else {}
    r = client.get(f"/api/scenarios/{sid}", headers=headers)
    assert r.status_code != 200 or "RUNSECRET" in r.text
    return r.status_code


def listed(client, user: str | None = None) -> list[str]:
    headers = {"Authorization": f"Bearer {client.tokens[user]}"} if user else {}
    return [x["id"] for x in client.get(f"/api/establishments/{SITE.id}/scenarios",
                                        headers=headers).json()]


def test_run_of_a_deleted_confidential_site_stays_confidential(client):
    svc = RegisterService(client.db, SYSTEM)
    svc.save(SITE, create=True)
    sid = scenarios.save(client.db, SYSTEM, "river", PARAMS, {"r": 1}, SITE.id)
    assert (read(client, sid), read(client, sid, "rs")) == (403, 200)
    svc.delete(SITE.id)
    assert (read(client, sid), read(client, sid, "rs"), read(client, sid, "admin")) == (403, 403, 200)


def test_run_stored_while_confidential_stays_so_when_the_site_becomes_public(client):
    svc = RegisterService(client.db, SYSTEM)
    svc.save(SITE, create=True)
    sid = scenarios.save(client.db, SYSTEM, "river", PARAMS, {"r": 1}, SITE.id)
    svc.save(dataclasses.replace(SITE, disclosure=Disclosure.PUBLIC))
    later = scenarios.save(client.db, SYSTEM, "river", PARAMS, {"r": 2}, SITE.id)
    assert (read(client, sid), read(client, later)) == (403, 200)
    assert listed(client) == [later] and listed(client, "rs") == [sid, later]
    # and the other way: a public site made national withholds its runs from the public
    svc.save(dataclasses.replace(SITE, disclosure=Disclosure.NATIONAL))
    assert (read(client, later), read(client, later, "rs")) == (403, 200)


def test_unlinked_runs_are_public(client):
    sid = scenarios.save(client.db, SYSTEM, "river", PARAMS, {"r": 1}, None)
    assert read(client, sid) == 200
