"""A Danube Delta plan (example data: the sites, texts and contacts are invented for the tests)
on each backend, with one user per role."""

from __future__ import annotations

import datetime as dt

import pytest

from hazatlas.domain.access import SYSTEM
from hazatlas.domain.establishment import Disclosure, Establishment, Provenance
from hazatlas.services import plans, users
from hazatlas.services.register import RegisterService

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
# Example sites, not register data: an oil terminal at Giurgiulesti (MDA, confidential to its
# country) and a Romanian depot shared with Parties.
TERMINAL = Establishment(id="MD-GIU-OIL", name="Giurgiulesti oil terminal (example)",
                         country_iso3="MDA", lon=28.195, lat=45.473,
                         disclosure=Disclosure.NATIONAL, notes="TERMINALSECRET",
                         provenance=Provenance("example"))
DEPOT = Establishment(id="RO-GAL-DEP", name="Galati depot (example)", country_iso3="ROU",
                      lon=28.05, lat=45.44, disclosure=Disclosure.PARTIES,
                      provenance=Provenance("example"))


@pytest.fixture
def people(db):
    for name, role, extra in (("admin", "administrator", {}), ("md", "national", {"country": "MDA"}),
                              ("ro", "national", {"country": "ROU"}),
                              ("ua", "national", {"country": "UKR"}),
                              ("rs", "national", {"country": "SRB"}), ("icpdr", "basin", {})):
        users.create_user(db, name, role, **extra)
    return {n: users.principal_for_user(db, n) for n in ("admin", "md", "ro", "ua", "rs", "icpdr")}


@pytest.fixture
def plan(db, people):
    RegisterService(db, SYSTEM).save(TERMINAL, create=True)
    RegisterService(db, SYSTEM).save(DEPOT, create=True)
    return plans.create(db, people["md"], plan_id="danube-delta", title="Danube Delta joint plan "
                        "(example)", area_kind="basin", area="Danube Delta", form="joint_plan",
                        parties=["MDA", "ROU", "UKR"], languages=["ro", "uk", "en"],
                        review_interval_months=36, public=True,
                        review_triggers=["an accident with transboundary effects"],
                        owners={"alerting_notification": "ROU", "mutual_assistance": "UKR"})
