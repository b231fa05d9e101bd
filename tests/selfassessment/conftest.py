"""Serbia's self-assessment on each backend (example data: the sites, quantities, plans and
contacts are invented for the tests, not register data), one user per role, and an exercise
provider standing in for the exercises module, which is not part of this branch."""

from __future__ import annotations

import datetime as dt

import pytest

from hazatlas.domain.access import SYSTEM
from hazatlas.domain.establishment import Disclosure, Establishment, Provenance
from hazatlas.domain.inventory import InventoryItem
from hazatlas.services import users
from hazatlas.services.register import RegisterService
from hazatlas.services.selfassessment.providers import set_exercise_provider

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
SINCE, UNTIL = dt.date(2025, 1, 1), dt.date(2026, 12, 31)


def site(sid: str, name: str, lon: float, lat: float, tonnes: float, *,
         substance: str = "Chlorine", cas: str = "7782-50-5", categories: tuple[str, ...] = ("H2",),
         disclosure: Disclosure = Disclosure.PARTIES, country: str = "SRB") -> Establishment:
    return Establishment(id=sid, name=name, country_iso3=country, lon=lon, lat=lat,
                         disclosure=disclosure, provenance=Provenance("example"),
                         notes=f"{sid}-SECRET",
                         inventory=[InventoryItem(substance, tonnes * 1000.0, cas_number=cas,
                                                  seveso_categories=categories)])


# Example sites (not register data): a chlorine store on the Danube at Prahovo next to the
# Romanian and Bulgarian borders, one at Pancevo, a small one at Nis, and a Hungarian site.
SITES = [
    site("RS-PRA-CL", "Prahovo chlorine store (example)", 22.595, 44.292, 60.0),
    site("RS-PAN-AM", "Pancevo ammonia store (example)", 20.70, 44.85, 300.0,
         substance="Ammonia", cas="7664-41-7", disclosure=Disclosure.NATIONAL),
    site("RS-NIS-CL", "Nis chlorine store (example)", 21.90, 43.32, 2.0),
    site("HU-SZE-CL", "Szeged chlorine store (example)", 20.15, 46.25, 60.0, country="HUN"),
]


@pytest.fixture
def people(db):
    for name, role, extra in (("admin", "administrator", {}), ("rs", "national", {"country": "SRB"}),
                              ("rs2", "national", {"country": "SRB"}),
                              ("ro", "national", {"country": "ROU"}),
                              ("hu", "national", {"country": "HUN"}), ("icpdr", "basin", {})):
        users.create_user(db, name, role, **extra)
    return {n: users.principal_for_user(db, n)
            for n in ("admin", "rs", "rs2", "ro", "hu", "icpdr")}


@pytest.fixture
def register(db):
    for e in SITES:
        RegisterService(db, SYSTEM).save(e, create=True)
    return db


class Exercises:
    """What ``hazatlas.services.exercises.facts`` returns, for the tests: the exercises held and
    the open improvement actions, filtered by country and period as the real one would."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dt.date, dt.date]] = []
        self.exercises = [{"id": "ex-1", "title": "Danube chlorine table-top (example)",
                           "start": dt.date(2026, 2, 10), "end": dt.date(2026, 2, 10),
                           "parties": ["SRB", "ROU"], "overall_rating": "S",
                           "plan_id": "danube-iron-gate"}]
        self.actions = [{"id": "ip-1", "exercise_id": "ex-1",
                         "text": "Add the Prahovo duty officer to the alerting list",
                         "plan_id": "danube-iron-gate", "plan_section": "alerting_notification",
                         "responsible_party": "Sector for Emergency Management",
                         "due": "2026-03-01", "status": "open"}]

    def __call__(self, db, country, since, until):
        self.calls.append((country, since, until))
        return {"exercises": self.exercises if country == "SRB" else [],
                "improvement_actions": self.actions if country == "SRB" else []}


@pytest.fixture
def exercises():
    provider = Exercises()
    before = set_exercise_provider(provider)
    yield provider
    set_exercise_provider(before)


@pytest.fixture
def no_exercises(monkeypatch):
    """No exercise provider, whether or not an exercises module is installed."""
    from hazatlas.services.selfassessment import providers

    monkeypatch.setattr(providers, "DISCOVER", False)
    before = set_exercise_provider(None)
    yield
    set_exercise_provider(before)
