"""Scenarios in the browser over HTTP, on SQLite and PostGIS: the forms of a site's page
validate as the API does (errors next to the field, translated), a run is stored and leads to
its page, and the page of a run is read under the rule of ``GET /api/scenarios/{id}`` (the
browser walk-through is in test_scenarios_browser.py)."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient

from hazatlas.api.app import create_app
from hazatlas.domain.access import SYSTEM
from hazatlas.services import scenarios, users
from hazatlas.services.register import RegisterService
from hazatlas.services.settings import Settings

PASSWORD = "correct horse battery staple"
NATIONAL_SITE = "RS-PANCEVO-HIP"  # national disclosure, Serbia: ammonia, liquefied gas
PUBLIC_TAILINGS = "KG-MAILUU-TP3"  # public, Kyrgyzstan: stored volume and dam height


@pytest.fixture
def app(db, sample_csv):
    RegisterService(db, SYSTEM).import_file(sample_csv)
    for name, country in (("rs", "SRB"), ("rs2", "SRB"), ("hu", "HUN")):
        users.create_user(db, name, "national", country=country, password=PASSWORD)
    return create_app(Settings(database_url=db.url, secret_key="test-secret"), db)


def client_of(app, username: str | None = None) -> TestClient:
    c = TestClient(app)
    if username is not None:
        r = c.post("/login", data={"username": username, "password": PASSWORD,
                                   "csrf_token": csrf(c, "/login")}, follow_redirects=False)
        assert r.status_code == 303, r.text[:300]
    return c


def csrf(c: TestClient, path: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', c.get(path).text)
    assert found
    return found.group(1)


def run(c: TestClient, site: str, kind: str, **fields: str):
    return c.post(f"/sites/{site}/scenarios/{kind}",
                  data={**fields, "csrf_token": csrf(c, f"/sites/{site}")}, follow_redirects=False)


def error_of(html: str, field_id: str) -> str:
    found = re.search(rf'<span class="field-error" id="err-{field_id}">(.*?)</span>', html, re.S)
    assert found, f"no error next to {field_id}"
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()


def test_errors_next_to_the_field_as_the_api_validates(app):
    c = client_of(app, "rs")
    r = run(c, NATIONAL_SITE, "plume", wind_speed_m_s="fast", stability="D",
            wind_from_deg="400", places="Pančevo 20.64,44.87")
    assert r.status_code == 422
    assert error_of(r.text, "plume-wind_speed_m_s") == "Enter a number (a point as decimal separator)."
    assert error_of(r.text, "plume-wind_from_deg") == "Must be at most 360."
    assert error_of(r.text, "plume-places") == "Line 1: expected NAME=LON,LAT."
    assert 'id="plume-wind_speed_m_s" name="wind_speed_m_s" type="text" value="fast"' in r.text
    assert 'aria-invalid="true"' in r.text and 'id="plume-errors"' in r.text
    r = run(c, NATIONAL_SITE, "river", start="", mass_kg="-5")
    assert r.status_code == 422
    assert error_of(r.text, "river-start") == "Required."
    assert error_of(r.text, "river-mass_kg") == "Must be at least 0.000001."
    c.cookies.set("hazatlas_lang", "ru")
    r = run(c, NATIONAL_SITE, "runout", dam_height_m="0")
    assert error_of(r.text, "runout-dam_height_m") == "Должно быть не меньше 0,1."
    assert scenarios.list_runs(app.state.db, SYSTEM, establishment_id=NATIONAL_SITE) == []


def test_a_model_refusal_is_shown_next_to_its_field(app):
    c = client_of(app, "rs")
    r = run(c, NATIONAL_SITE, "river", start="2024-05-01T06:00", at_lon="-30", at_lat="10")
    assert r.status_code == 422
    assert error_of(r.text, "river-at_lon").startswith("The model refused this input:")
    assert 'lang="en"' in r.text


def test_a_plume_run_is_stored_listed_and_read_under_the_api_rule(app):
    c = client_of(app, "rs")
    r = run(c, NATIONAL_SITE, "plume", wind_speed_m_s="3", stability="D", wind_from_deg="270",
            places="Kovin=21.0,44.75\nZrenjanin=20.39,45.38")
    assert r.status_code == 303, r.text[:2000]
    sid = r.headers["location"].removeprefix("/scenarios/")
    stored = scenarios.get(app.state.db, SYSTEM, sid)
    assert stored["kind"] == "plume" and stored["created_by"] == "rs"
    assert stored["parameters"]["wind_from_deg"] == 270 and stored["parameters"]["levels"] == "aegl"
    page = c.get(f"/scenarios/{sid}")
    assert page.status_code == 200
    assert 'id="scenario-zones"' in page.text and "AEGL-3" in page.text
    assert f'href="/notifications/new?scenario={sid}"' in page.text
    layers = re.search(r'id="scenario-data">(.*?)</script>', page.text, re.S).group(1)
    assert '"footprint"' in layers and '"wedge"' in layers and '"wind"' in layers
    assert "Kovin" in page.text  # a place downwind (east) is reached
    assert f'href="/scenarios/{sid}"' in c.get(f"/sites/{NATIONAL_SITE}").text  # listed
    assert client_of(app, "rs2").get(f"/scenarios/{sid}").status_code == 200  # same country
    other = client_of(app, "hu").get(f"/scenarios/{sid}")
    assert other.status_code == 403 and "Ammonia" not in other.text
    assert f'href="/scenarios/{sid}"' not in client_of(app, "hu").get(f"/sites/{NATIONAL_SITE}").text
    public = client_of(app).get(f"/scenarios/{sid}")
    assert public.status_code == 403 and 'id="denied"' in public.text and "Ammonia" not in public.text
    assert "/login?next=" in public.text


def test_a_runout_on_a_public_site_is_read_by_the_public(app):
    c = client_of(app, "rs")  # any signed-in user may run on a public site
    r = run(c, PUBLIC_TAILINGS, "runout")
    assert r.status_code == 303, r.text[:2000]
    sid = r.headers["location"].removeprefix("/scenarios/")
    page = client_of(app).get(f"/scenarios/{sid}")
    assert page.status_code == 200 and 'id="runout-facts"' in page.text
    assert "compose-link" not in page.text  # the public composes no report
    assert "<code>impounded_volume_m3</code> = 110000.0" in page.text  # filled by the site


def test_visitors_and_forged_forms_cannot_run(app):
    public = client_of(app)
    r = public.post(f"/sites/{PUBLIC_TAILINGS}/scenarios/runout",
                    data={"csrf_token": csrf(public, "/login")}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")
    assert "Sign in to run a scenario" in public.get(f"/sites/{PUBLIC_TAILINGS}").text
    c = client_of(app, "rs")
    forged = c.post(f"/sites/{PUBLIC_TAILINGS}/scenarios/runout", data={}, follow_redirects=False)
    assert forged.status_code == 403
    hu = client_of(app, "hu")
    assert 'id="run-river"' not in hu.get(f"/sites/{NATIONAL_SITE}").text
    r = run(hu, NATIONAL_SITE, "runout", impounded_volume_m3="1000", dam_height_m="5")
    assert r.status_code == 403 and "confidential to you" in r.text
    assert scenarios.list_runs(app.state.db, SYSTEM) == []
    assert c.get("/scenarios/no-such-run").status_code == 404


def test_curves_are_shown_only_when_the_rerun_gives_the_stored_result(app):
    from hazatlas.web.scenarios import rerun

    c = client_of(app, "rs")
    r = run(c, NATIONAL_SITE, "river", start="2024-05-01T06:00", mass_kg="20000",
            threshold_mg_l="0.5", points="Smederevo=20.93,44.67")
    assert r.status_code == 303, r.text[:2000]
    sid = r.headers["location"].removeprefix("/scenarios/")
    stored = scenarios.get(app.state.db, SYSTEM, sid)
    rerun._cache.clear()  # as after a restart: the page computes the curves again
    page = c.get(f"/scenarios/{sid}")
    assert page.text.count('class="curve"') == len(stored["result"]["countries"]) + 1
    assert 'class="threshold"' in page.text and "Smederevo" in page.text
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</tr>", page.text.split('id="scenario-countries"')[1]
                      .split("</table>")[0], re.S)
    assert len(rows) == len(stored["result"]["countries"]) >= 1
    changed = {**stored, "id": "changed", "result": {**stored["result"], "countries": [
        {**c, "peak_mg_l": c["peak_mg_l"] * 2} for c in stored["result"]["countries"]]}}
    assert rerun.extra(SYSTEM, changed) is None  # not the stored run: no curves drawn
    own_network = {**stored, "id": "own", "result": {**stored["result"], "provenance": {
        "data": [{"file": "/home/user/rivers.gpkg", "sha256": "0"}]}}}
    assert rerun.extra(SYSTEM, own_network) is None
    # the reaches are labelled with the river's names in the riparian languages
    layers = json.loads(re.search(r'id="scenario-data">(.*?)</script>', page.text, re.S).group(1))
    labels = {f["properties"].get("label") for f in layers["layers"]["features"]}
    danube = next(lb for lb in labels if lb and lb.startswith("Danube ("))
    assert {"Donau", "Duna", "Dunărea", "Дунай"} <= set(danube[len("Danube ("):-1].split(" / "))
    # a run on a user's network file: its reaches are not drawn on the bundled network, and the
    # page says why
    from hazatlas.web.scenarios import view

    own = view.scenario_view(SYSTEM, {**own_network, "kind": "river"}, {}, str, app.state.db)
    assert own["network_note"] and "/home/user/rivers.gpkg" in own["network_note"]
    assert [f["properties"]["role"] for f in own["layers"]["features"]] == ["release"]


def test_a_tailings_failure_refused_by_the_model_shows_its_field(app):
    c = client_of(app, "rs")
    assert 'id="run-tailings-failure"' in c.get(f"/sites/{PUBLIC_TAILINGS}").text
    assert 'id="run-tailings-failure"' not in c.get(f"/sites/{NATIONAL_SITE}").text  # no tailings
    r = run(c, PUBLIC_TAILINGS, "tailings-failure", start="2024-05-01T06:00",
            released_fraction="1.5", flow="mean", flow_m3_s="-3")
    assert r.status_code == 422
    assert error_of(r.text, "tailings-failure-flow_m3_s") == "Must be at least 0.001."
    r = run(c, PUBLIC_TAILINGS, "tailings-failure", start="2024-05-01T06:00",
            released_fraction="1.5")
    assert r.status_code == 422
    assert "must be a fraction in (0, 1]" in error_of(r.text, "tailings-failure-released_fraction")
    assert scenarios.list_runs(app.state.db, SYSTEM) == []


def test_the_river_form_takes_the_water_temperature_or_its_month(app):
    """Issue 14 item 6: without a water temperature the run takes the river's monthly
    climatology for the month given, else the month of the start; the stored run says which."""
    c = client_of(app, "rs")
    bad = run(c, NATIONAL_SITE, "river", start="2024-05-01T06:00", substance="cyanide",
              mass_kg="1000", month="13", water_temp_c="45")
    assert bad.status_code == 422
    assert error_of(bad.text, "river-month") == "Must be at most 12."
    assert error_of(bad.text, "river-water_temp_c") == "Must be at most 40."
    runs = {}
    for label, extra in (("start", {}), ("month", {"month": "1"}), ("user", {"water_temp_c": "4"})):
        r = run(c, NATIONAL_SITE, "river", start="2024-05-01T06:00", substance="cyanide",
                mass_kg="1000", days="3", **extra)
        assert r.status_code == 303, r.text[:2000]
        stored = scenarios.get(app.state.db, SYSTEM, r.headers["location"].removeprefix("/scenarios/"))
        runs[label] = stored["result"]["source"]
    assert runs["start"]["water_temp"]["climatology"]["month"] == 5
    assert runs["start"]["water_temp"]["climatology"]["month_from"] == "start"
    assert runs["month"]["water_temp"]["climatology"]["month"] == 1
    from hazatlas.domain.reference import load_table

    for label, month in (("start", 5), ("month", 1)):  # the table's values (unconfirmed)
        clim = runs[label]["water_temp"]["climatology"]
        row = next(r for r in load_table("river_water_temperature")
                   if r["climatology_id"] == clim["climatology_id"] and int(r["month"]) == month)
        assert runs[label]["water_temp_c"] == float(row["water_temp_c"])
    assert runs["user"]["water_temp_c"] == 4.0 and runs["user"]["water_temp"]["kind"] == "user"
