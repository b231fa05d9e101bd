"""Users of each role for the dialogue tests (example names: Moldova's authority and two of its
stakeholders, Romania's authority and one of its stakeholders)."""

from __future__ import annotations

import datetime as dt

import pytest

from hazatlas.services import users

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
PEOPLE = (("admin", "administrator", {}), ("md", "national", {"country": "MDA"}),
          ("ro", "national", {"country": "ROU"}), ("ngo", "stakeholder", {"country": "MDA"}),
          ("oilco", "stakeholder", {"country": "MDA"}), ("ro-ngo", "stakeholder", {"country": "ROU"}),
          ("icpdr", "basin", {}))


@pytest.fixture
def people(db):
    for name, role, extra in PEOPLE:
        users.create_user(db, name, role, **extra)
    return {n: users.principal_for_user(db, n) for n, _, _ in PEOPLE}
