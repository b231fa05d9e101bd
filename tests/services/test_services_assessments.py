"""Identification results are stored with the rules version, kept current on every write, and
shown through the API with the establishment's confidentiality."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from hazatlas.api.app import create_app
from hazatlas.domain.access import ANONYMOUS, SYSTEM
from hazatlas.rules import RULES_VERSION
from hazatlas.services import assessments, users
from hazatlas.services.register import RegisterService
from hazatlas.services.settings import Settings
from hazatlas.storage import assessments as store


def test_import_stores_classification(db, sample_csv):
    RegisterService(db, SYSTEM).import_file(sample_csv)
    with db.transaction() as s:
        row = store.get(s, "UA-KALUSH-HCB", "classification")
        assert row.method_version == RULES_VERSION
        assert row.result["seveso_tier"] in ("lower", "upper")
        pancevo = store.get(s, "RS-PANCEVO-HIP", "classification").result
    # 15,000 t anhydrous ammonia, Part 2 entry 35: upper tier 200 t
    assert pancevo["seveso_tier"] == "upper" and pancevo["convention_hazardous_activity"] is True
    # Pančevo lies on the Danube, which flows on into Romania: the water criterion is assessed
    flags = {f["pathway"]: f for f in pancevo["location_flags"]}
    assert flags, pancevo


def test_change_of_inventory_recomputes(db, sample_rows, make_csv):
    svc = RegisterService(db, SYSTEM)
    svc.import_file(make_csv(sample_rows, "a.csv"))
    assert assessments.classification_for(db, SYSTEM, "RS-PANCEVO-HIP")["seveso_tier"] == "upper"
    sample_rows[2]["quantity"] = "60"  # 60 t ammonia: lower tier (50 t) but not upper (200 t)
    svc.import_file(make_csv(sample_rows, "b.csv"))
    assert assessments.classification_for(db, SYSTEM, "RS-PANCEVO-HIP")["seveso_tier"] == "lower"


def test_public_sees_tier_but_not_contributions(db, sample_csv):
    RegisterService(db, SYSTEM).import_file(sample_csv)
    public = assessments.classification_for(db, ANONYMOUS, "RS-PANCEVO-HIP")
    assert public["seveso_tier"] == "upper" and public["complete"] is False
    assert "contributions" not in public and "sums" not in public
    full = assessments.classification_for(db, SYSTEM, "RS-PANCEVO-HIP")
    assert full["contributions"][0]["seveso_entry"] == 35


def test_country_annex_version_setting(db, sample_csv):
    RegisterService(db, SYSTEM).import_file(sample_csv)
    assessments.set_annex_version(db, SYSTEM, "UKR", "1992")
    assert assessments.classification_for(db, SYSTEM, "UA-KALUSH-HCB")["annex_version"] == "1992"
    with pytest.raises(Exception, match="unknown Annex I version"):
        assessments.set_annex_version(db, SYSTEM, "UKR", "1999")


def test_classification_endpoint(db, sample_csv):
    RegisterService(db, SYSTEM).import_file(sample_csv)
    users.create_user(db, "rs", "national", country="SRB")
    token = users.issue_token(db, "rs")
    with TestClient(create_app(Settings(database_url=db.url), db)) as c:
        r = c.get("/api/establishments/RS-PANCEVO-HIP/classification",
                  headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200 and r.json()["complete"] is True
        assert any("Ammonia" in reason or "ammonia" in reason for reason in r.json()["reasons"])
        assert c.get("/api/establishments/NOPE/classification").status_code == 404
        listing = c.get("/api/classifications", params={"country": "SRB"}).json()
        assert [x["establishment_id"] for x in listing] == ["RS-PANCEVO-HIP"]


def test_bulk_import_marks_results_stale_then_recomputes_on_read(db, sample_csv, monkeypatch):
    monkeypatch.setattr(assessments, "EAGER_REFRESH_LIMIT", 2)
    RegisterService(db, SYSTEM).import_file(sample_csv)  # 4 establishments > 2: deferred
    with db.transaction() as s:
        assert store.get(s, "RS-PANCEVO-HIP", "classification") is None
    assert assessments.classification_for(db, SYSTEM, "RS-PANCEVO-HIP")["seveso_tier"] == "upper"
    with db.transaction() as s:
        assert store.get(s, "RS-PANCEVO-HIP", "classification") is not None
