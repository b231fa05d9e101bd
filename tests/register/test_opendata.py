"""Open data of the public register (issue 17): CSV, GeoJSON and the Atom feed of changes over
HTTP against the real app, and ``hazatlas opendata export``, on SQLite and PostGIS. Confidential
fields never appear, also after a public site is made confidential; the feed is Atom 1.0
(RFC 4287) read with a real XML parser; pages follow ``rel="next"``; bad parameters are 422."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import xml.etree.ElementTree as ET  # noqa: S405 - our own app's answer

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from hazatlas.api.app import create_app
from hazatlas.cli.main import app as cli_app
from hazatlas.domain.access import SYSTEM
from hazatlas.domain.establishment import Disclosure, Establishment, Provenance
from hazatlas.domain.inventory import InventoryItem
from hazatlas.services.opendata import OPEN_COLUMNS
from hazatlas.services.register import RegisterService
from hazatlas.services.settings import Settings

A = "{http://www.w3.org/2005/Atom}"
BASE = "https://hazatlas.example.org"
CONFIDENTIAL = Establishment(
    id="RS-OPEN-NAT", name="Confidential depot", country_iso3="SRB", lon=20.69, lat=44.837,
    operator="Depot Operator", disclosure=Disclosure.NATIONAL, provenance=Provenance("authority"),
    notes="SECRETNOTE", external_ids={"permit": "SECRETEXT"},
    site_polygon_wkt="POLYGON((20.6 44.8, 20.7 44.8, 20.7 44.9, 20.6 44.8))",
    inventory=[InventoryItem("Chlorine SECRETINV", 20_000.0, cas_number="7782-50-5")],
)
PUBLIC = Establishment(
    id="UA-OPEN-PUB", name="Public store", country_iso3="UKR", lon=24.37, lat=49.02,
    disclosure=Disclosure.PUBLIC, provenance=Provenance("https://example.org/store"),
    notes="OPENNOTE", inventory=[InventoryItem("Hexachlorobenzene", 11_500_000.0)],
)
SECRETS = ("SECRETNOTE", "SECRETEXT", "SECRETINV", "POLYGON", "7782-50-5")


@pytest.fixture
def client(db):
    with TestClient(create_app(Settings(database_url=db.url, public_url=BASE), db)) as c:
        yield c


def save(db, site: Establishment, **changes) -> None:
    RegisterService(db, SYSTEM).save(dataclasses.replace(site, **changes))


def feed(client, **params) -> ET.Element:
    r = client.get("/api/open/changes.atom", params=params)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(r.content)  # noqa: S314 - our own app's answer
    check_atom(root)
    return root


def check_atom(root: ET.Element) -> None:
    """The elements RFC 4287 requires (4.1.1, 4.1.2): a feed's id, title, updated and an author
    (here on the feed, so its entries need none), each entry's id, title, updated, and content
    or an alternate link; ids are IRIs, dates RFC 3339."""
    assert root.tag == f"{A}feed"
    for name in ("id", "title", "updated", "author"):
        assert len(root.findall(f"{A}{name}")) == 1, name
    assert root.find(f"{A}author/{A}name").text
    for entry in root.findall(f"{A}entry"):
        for name in ("id", "title", "updated", "content"):
            assert len(entry.findall(f"{A}{name}")) == 1, name
        assert entry.find(f"{A}id").text.startswith("tag:hazatlas.example.org,2026:")
        assert entry.find(f"{A}updated").text.endswith("Z")
        assert [x.get("rel") for x in entry.findall(f"{A}link")] == ["alternate"]


def entries(root: ET.Element) -> list[dict]:
    return [{"id": e.find(f"{A}id").text, "title": e.find(f"{A}title").text,
             "content": e.find(f"{A}content").text, "action": e.find(f"{A}category").get("term"),
             "link": e.find(f"{A}link").get("href")} for e in root.findall(f"{A}entry")]


def register_entries(root: ET.Element) -> list[dict]:
    """The entries of establishments' writes (not of their identification)."""
    return [e for e in entries(root) if e["action"] in ("create", "update", "delete")]


def link(root: ET.Element, rel: str) -> str | None:
    found = [x.get("href") for x in root.findall(f"{A}link") if x.get("rel") == rel]
    return found[0] if found else None


def open_data(client) -> tuple[str, dict, str]:
    r = client.get("/api/open/register.csv")
    assert r.status_code == 200, r.text
    assert r.headers["link"] == '<https://creativecommons.org/licenses/by/4.0/>; rel="license"'
    assert r.headers["x-hazatlas-register-version"] and r.headers["x-hazatlas-generated-at"]
    g = client.get("/api/open/register.geojson")
    assert g.status_code == 200 and g.headers["content-type"] == "application/geo+json"
    return r.text, g.json(), client.get("/api/open/changes.atom").text


def test_public_register_has_public_fields_of_every_site_and_no_confidential_value(db, client):
    save(db, CONFIDENTIAL)
    save(db, PUBLIC)
    text, geo, atom = open_data(client)
    for body in (text, json.dumps(geo, ensure_ascii=False), atom):
        assert not any(s in body for s in SECRETS), body
        assert "OPENNOTE" not in body and "Hexachlorobenzene" not in body  # no inventory, notes
    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(rows[0]) == OPEN_COLUMNS
    # one row per establishment, as the map and /register show them
    assert [r["establishment_id"] for r in rows] == ["RS-OPEN-NAT", "UA-OPEN-PUB"]
    assert rows[0]["name"] == "Confidential depot"
    assert rows[0]["disclosure"] == "national (confidential fields withheld)"
    assert rows[1]["disclosure"] == "public"
    assert rows[1]["seveso_tier"] == "none"  # identified (no CAS number, no hazard statements)
    assert rows[1]["rules_version"].startswith("hazatlas-rules/")
    assert geo["licence"]["url"] == "https://creativecommons.org/licenses/by/4.0/"
    assert geo["attribution"] and geo["generated_at"].endswith("Z")
    assert geo["register_version"] and geo["last_change"] >= 2
    assert [f["properties"]["establishment_id"] for f in geo["features"]] == ["RS-OPEN-NAT",
                                                                              "UA-OPEN-PUB"]
    assert geo["features"][1]["geometry"] == {"type": "Point", "coordinates": [24.37, 49.02]}
    assert set(geo["features"][0]["properties"]) == set(OPEN_COLUMNS) - {"lon", "lat"}
    # the filters
    only = client.get("/api/open/register.csv", params={"country": "UKR"}).text
    assert [r["establishment_id"] for r in csv.DictReader(io.StringIO(only))] == ["UA-OPEN-PUB"]
    # the index
    index = client.get("/api/open").json()
    assert index["files"]["changes"] == f"{BASE}/api/open/changes.atom"
    assert index["register_version"] == geo["register_version"]
    assert index["columns"] == list(OPEN_COLUMNS)


def test_feed_shows_public_changes_and_never_confidential_ones(db, client):
    save(db, CONFIDENTIAL)
    save(db, PUBLIC)
    first = register_entries(feed(client))
    assert [e["action"] for e in first] == ["create", "create"]
    assert first[0]["link"] == f"{BASE}/sites/UA-OPEN-PUB"
    assert first[0]["title"] == "Public store (UA-OPEN-PUB): registered"
    save(db, CONFIDENTIAL, notes="SECRETNOTE2")  # confidential fields only: no entry at all
    assert register_entries(feed(client)) == first
    save(db, PUBLIC, name="Public store (renamed)", notes="OPENNOTE2")
    renamed = entries(feed(client))[0]
    assert renamed["action"] == "update"
    assert renamed["content"] == "name: Public store -> Public store (renamed)"
    # the public site made confidential, with new confidential values
    save(db, PUBLIC, name="Public store (renamed)", disclosure=Disclosure.NATIONAL,
         notes="SECRETNOTE3", external_ids={"permit": "SECRETEXT3"})
    latest = entries(feed(client))[0]
    assert latest["content"] == "disclosure: public -> national"
    assert latest["id"] != renamed["id"]
    text, geo, atom = open_data(client)
    for body in (text, json.dumps(geo), atom):
        assert not any(s in body for s in (*SECRETS, "SECRETNOTE2", "SECRETNOTE3", "SECRETEXT3",
                                           "OPENNOTE", "OPENNOTE2")), body
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[1]["disclosure"] == "national (confidential fields withheld)"
    # a deleted site: its public fields as they were, a link to its (gone) page
    RegisterService(db, SYSTEM).delete(CONFIDENTIAL.id)
    gone = entries(feed(client))[0]
    assert gone["action"] == "delete" and "name: Confidential depot" in gone["content"]
    assert not any(s in gone["content"] for s in SECRETS)
    # stable ids: the same entry has the same id in every answer
    assert [e["id"] for e in entries(feed(client))[1:]] == [e["id"] for e in entries(feed(client))[1:]]
    assert renamed["id"] in [e["id"] for e in entries(feed(client))]


def test_feed_pages_follow_next(db, client):
    for n in range(5):
        save(db, PUBLIC, status="operating" if n % 2 else "closed", name=f"Public store {n}")
    whole = [e["id"] for e in entries(feed(client))]
    assert len(whole) == 5
    root = feed(client, limit=2)
    seen, pages = [], 0
    while True:
        pages += 1
        seen += [e["id"] for e in entries(root)]
        nxt = link(root, "next")
        if nxt is None:
            break
        assert nxt.startswith(f"{BASE}/api/open/changes.atom?before=") and nxt.endswith("&limit=2")
        root = feed(client, **dict(p.split("=") for p in nxt.split("?", 1)[1].split("&")))
    assert pages == 3 and seen == whole
    assert link(feed(client, limit=5), "next") is None


@pytest.mark.parametrize(("path", "params", "field"), [
    ("/api/open/changes.atom", {"limit": "0"}, "query.limit"),
    ("/api/open/changes.atom", {"limit": "501"}, "query.limit"),
    ("/api/open/changes.atom", {"before": "0"}, "query.before"),
    ("/api/open/changes.atom", {"before": "x"}, "query.before"),
    ("/api/open/register.csv", {"country": "serbia"}, "query.country"),
    ("/api/open/register.geojson", {"kind": "nuclear"}, "query.kind"),
])
def test_bad_parameters_are_422_problems(db, client, path, params, field):
    r = client.get(path, params=params)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in r.json()["errors"]] == [field]


def test_cli_writes_the_folder(db, tmp_path):
    save(db, CONFIDENTIAL)
    save(db, PUBLIC)
    out = tmp_path / "open"
    r = CliRunner().invoke(cli_app, ["opendata", "export", str(out), "--db", db.url,
                                     "--base-url", BASE, "--json"])
    assert r.exit_code == 0, r.output
    meta = json.loads(r.output)
    assert meta["files"]["register.csv"] == 2 and meta["columns"] == list(OPEN_COLUMNS)
    assert json.loads((out / "metadata.json").read_text()) == meta
    assert sorted(p.name for p in out.iterdir()) == ["changes.atom", "metadata.json",
                                                     "register.csv", "register.geojson"]
    for p in out.iterdir():
        assert not any(s in p.read_text() for s in SECRETS), p
    root = ET.fromstring((out / "changes.atom").read_bytes())  # noqa: S314
    check_atom(root)
    assert len(register_entries(root)) == 2 and len(entries(root)) == 3  # and one identification


def test_register_page_links_the_open_data(db, client):
    save(db, PUBLIC)
    page = client.get("/register")
    assert page.status_code == 200
    hrefs = [h for h in ("/api/open/register.csv", "/api/open/register.geojson",
                         "/api/open/changes.atom", "/api/open") if f'href="{h}"' in page.text]
    assert len(hrefs) == 4, page.text
    for href in hrefs:
        assert client.get(href).status_code == 200, href
    uk = client.get("/register", headers={"Accept-Language": "uk"})
    assert "Відкриті дані публічного реєстру:" in uk.text


def test_feed_shows_identification_changes(db, client):
    """A change of Seveso tier (chlorine, Seveso III Annex I Part 2: 10 t lower tier, 25 t upper
    tier) is an entry of the feed with the identification's public keys only; a site that is
    neither a Seveso establishment nor a Convention activity gives no identification entry."""
    save(db, PUBLIC)  # no CAS number, no hazard statements: tier none, no entry
    assert [e["action"] for e in entries(feed(client))] == ["create"]
    save(db, CONFIDENTIAL)  # 20 t of chlorine: lower tier
    identified = entries(feed(client))[0]
    assert identified["action"] == "identify"
    assert identified["title"] == "Confidential depot (RS-OPEN-NAT): identified"
    assert "seveso_tier: (none) -> lower" in identified["content"]
    save(db, CONFIDENTIAL, notes="SECRETNOTE2")  # the same tier: no entry
    assert entries(feed(client))[0]["id"] == identified["id"]
    more = [dataclasses.replace(CONFIDENTIAL.inventory[0], max_quantity_kg=30_000.0)]
    save(db, CONFIDENTIAL, inventory=more)
    changed = entries(feed(client))[0]
    assert changed["action"] == "reclassify"
    assert changed["title"] == "Confidential depot (RS-OPEN-NAT): identification changed"
    assert "seveso_tier: lower -> upper" in changed["content"]
    assert changed["link"] == f"{BASE}/sites/RS-OPEN-NAT"
    body = client.get("/api/open/changes.atom").text
    assert not any(s in body for s in (*SECRETS, "30000", "20000", "SECRETNOTE2")), body
    # the export's change data: the metadata name the newest entry, the identification's
    index = client.get("/api/open").json()
    assert index["last_change"] == int(changed["id"].rsplit("/", 1)[1])
