"""Confidential fields on every read path, for 8 principals x 3 disclosure levels, on SQLite
and PostGIS.

Each record carries marker strings in its confidential fields (notes, external ids, inventory,
storage unit, tailings details) and in a model run linked to it; each was first registered as
``national`` with other notes and external ids, which stay in its history. Every read path
(API: list, detail, nearest, history, classification, screening, ranking, scenarios, exports in
all four formats, the public page; CLI: list, show, history, export, classify, ranking) is
serialized whole and searched for the markers. The expected entitlement is an explicit table,
not a call to ``hazatlas.domain.access``.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from hazatlas.api.app import create_app
from hazatlas.cli.main import app as cli_app
from hazatlas.domain.access import SYSTEM
from hazatlas.domain.establishment import (
    Disclosure,
    Establishment,
    EstablishmentKind,
    EstablishmentStatus,
    Provenance,
)
from hazatlas.domain.inventory import InventoryItem, PhysicalState
from hazatlas.domain.tailings import Constituent, TailingsDetails
from hazatlas.formats.tables import read_table
from hazatlas.services import scenarios, users
from hazatlas.services.register import RegisterService
from hazatlas.services.settings import Settings

LEVELS = ("public", "parties", "national")
# Two sites per level in Serbia (a Party): an industrial one and a tailings facility.
SITES = {
    "public": [("RS-PUB-1", 20.69, 44.84), ("RS-PUB-T", 20.60, 44.70)],
    "parties": [("RS-PAR-1", 20.70, 44.83), ("RS-PAR-T", 20.62, 44.72)],
    "national": [("RS-NAT-1", 20.46, 44.81), ("RS-NAT-T", 20.50, 44.75)],
}
OTHER_SITE = ("RS-OTHER", 20.40, 44.70)

# principal -> the levels at which it may read the confidential fields of a Serbian record
ENTITLED = {
    "admin": {"public", "parties", "national"},
    "national_same": {"public", "parties", "national"},      # Serbia's authority
    "national_other": {"public", "parties"},                  # Ukraine: a Party
    "basin": {"public", "parties"},                           # ICPDR
    "operator_site": {"public", "parties", "national"},     # operator of that very site
    "operator_other": {"public"},                             # operator of another site
    "anonymous": {"public"},
    "national_nonparty": {"public"},                          # Kyrgyzstan: not a Party
}
PRINCIPALS = tuple(ENTITLED)


def markers(eid: str) -> list[str]:
    tag = eid.replace("-", "")
    return [f"NOTE{tag}ZQ", f"EXT{tag}ZQ", f"INV{tag}ZQ", f"UNIT{tag}ZQ", f"SCEN{tag}ZQ"]


def tailings_markers(eid: str) -> list[str]:
    tag = eid.replace("-", "")
    return [f"COMM{tag}ZQ", f"CONST{tag}ZQ"]


def _site(eid: str, lon: float, lat: float, level: str) -> Establishment:
    note, ext, inv, unit, _ = markers(eid)
    tailings = None
    kind = EstablishmentKind.INDUSTRIAL
    if eid.endswith("-T"):
        comm, const = tailings_markers(eid)
        kind = EstablishmentKind.TAILINGS
        tailings = TailingsDetails(stored_volume_m3=123456.0, dam_height_m=17.0, commodity=comm,
                                   constituents=[Constituent(const, 12.5)])
    return Establishment(
        id=eid, name=f"Site {eid}", country_iso3="SRB", lon=lon, lat=lat, kind=kind,
        status=EstablishmentStatus.OPERATING, operator=f"Operator of {eid}",
        receiving_water="Danube", disclosure=Disclosure(level),
        provenance=Provenance("test"), notes=note, external_ids={"permit": ext},
        site_polygon_wkt=f"POLYGON(({lon} {lat},{lon + 0.001} {lat},{lon} {lat + 0.001},{lon} {lat}))",
        inventory=[InventoryItem(f"Ammonia {inv}", 250_000.0, cas_number="7664-41-7",
                                 hazard_statements=("H221", "H331", "H314", "H400"),
                                 physical_state=PhysicalState.LIQUEFIED_GAS, storage_unit=unit)],
        tailings=tailings,
    )


def pre_markers(eid: str) -> list[str]:
    """Notes and external id the record had while it was still ``national``."""
    tag = eid.replace("-", "")
    return [f"PRENOTE{tag}ZQ", f"PREEXT{tag}ZQ"]


def _all_markers(eid: str) -> list[str]:
    return markers(eid) + (tailings_markers(eid) if eid.endswith("-T") else [])


def _clean(database) -> None:
    from sqlalchemy import text

    from hazatlas.storage.tables import Base

    keep = ("country", "river_reach")
    with database.transaction() as s:
        for t in reversed(Base.metadata.sorted_tables):
            if t.name not in keep:
                s.execute(text(f"DELETE FROM {t.name}"))  # noqa: S608 - fixed table names


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)])
def world(request):
    """The register above, its model runs and the users, once per backend."""
    db = request.getfixturevalue(f"{request.param}_database")
    _clean(db)
    svc = RegisterService(db, SYSTEM)
    for level, sites in SITES.items():
        for eid, lon, lat in sites:
            note, ext = pre_markers(eid)  # first registered as national, then given its level
            svc.save(dataclasses.replace(_site(eid, lon, lat, "national"), notes=note,
                                         external_ids={"permit": ext}), create=True)
            svc.save(_site(eid, lon, lat, level), create=False)
            scenarios.save(db, SYSTEM, "river", {"substance": markers(eid)[4]},
                           {"note": markers(eid)[4]}, establishment_id=eid)
    svc.save(_site(OTHER_SITE[0], OTHER_SITE[1], OTHER_SITE[2], "national"), create=True)
    names = {"admin": "admin", "national_same": "rs", "national_other": "ua", "basin": "icpdr",
             "operator_other": "op-other", "anonymous": None, "national_nonparty": "kg"}
    users.create_user(db, "admin", "administrator")
    users.create_user(db, "rs", "national", country="SRB")
    users.create_user(db, "ua", "national", country="UKR")
    users.create_user(db, "kg", "national", country="KGZ")
    users.create_user(db, "icpdr", "basin")
    users.create_user(db, "op-other", "operator", establishment_id=OTHER_SITE[0])
    site_ids = [eid for sites in SITES.values() for eid, _, _ in sites]
    for eid in site_ids:
        users.create_user(db, f"op-{eid}", "operator", establishment_id=eid)
    tokens = {u: users.issue_token(db, u)
              for u in [*filter(None, names.values()), *(f"op-{e}" for e in site_ids)]}
    with TestClient(create_app(Settings(database_url=db.url), db)) as client:
        yield db, names, tokens, client
    _clean(db)


def _user(names: dict, principal: str, eid: str) -> str | None:
    return f"op-{eid}" if principal == "operator_site" else names[principal]


API_PATHS = {
    # name: (paths for one record or None for the whole register, carries notes/inventory/...)
    "detail": ("/api/establishments/{id}", "record"),
    "history": ("/api/establishments/{id}/history", "history"),
    "classification": ("/api/establishments/{id}/classification", "id"),
    "screening": ("/api/establishments/{id}/screening", "id"),
    "scenarios": ("/api/establishments/{id}/scenarios", "scenario"),
    "list": ("/api/establishments?limit=100", None),
    "nearest": ("/api/establishments-nearest?lon=20.6&lat=44.8&k=20", None),
    "classifications": ("/api/classifications", None),
    "ranking": ("/api/ranking", None),
    "export.csv": ("/api/export?format=csv", "record"),
    "export.geojson": ("/api/export?format=geojson", "record"),
    "export.xlsx": ("/api/export?format=xlsx", "inventory"),
    "export.gpkg": ("/api/export?format=gpkg", "inventory"),
    "page": ("/", None),
}


def _serialized(response, name: str, tmp_path) -> str:
    assert response.status_code in (200, 403, 404), response.text
    if not name.startswith("export.") or response.status_code != 200:
        return response.text
    path = tmp_path / f"x.{name.split('.')[1]}"
    path.write_bytes(response.content)
    return json.dumps(read_table(path).rows, default=str) + response.content.decode("latin-1")


def _expected_markers(kind: str | None, eid: str) -> list[str]:
    note, ext, inv, unit, scen = markers(eid)
    tail = tailings_markers(eid) if eid.endswith("-T") else []
    if kind == "history":  # every entry touches the time the record was national
        return [note, ext, inv, unit, *tail, *pre_markers(eid)]
    if kind == "record":
        return [note, ext, inv, unit, *tail]
    if kind == "inventory":  # binary formats: searched through the rows read back
        return [inv, unit, note, ext, *tail]
    if kind == "scenario":
        return [scen]
    if kind == "id":  # a per-record answer that carries no confidential field: it is about eid
        return [eid]
    return []


def _assert_markers(text: str, principal: str, eid: str, level: str, where: str,
                    kind: str | None) -> None:
    """Nothing of any record the principal may not read (the operator of ``eid``: of any other
    non-public record) in ``text``; and every marker the path carries of ``eid`` if readable."""
    for lv, sites in SITES.items():
        for other, _, _ in sites:
            barred = lv not in ENTITLED[principal] or (
                principal == "operator_site" and other != eid and lv != "public")
            if barred:
                for m in _all_markers(other):
                    assert m not in text, f"{principal} sees {m} of {lv} {other} at {where}"
            if barred or "national" not in ENTITLED[principal]:  # then or now
                for m in pre_markers(other):
                    assert m not in text, f"{principal} sees {m} of formerly national {other} at {where}"
    if level in ENTITLED[principal] and (kind != "history" or "national" in ENTITLED[principal]):
        for m in _expected_markers(kind, eid):
            assert m in text, f"{principal} misses {m} of {level} {eid} at {where}"


@pytest.mark.parametrize("principal", PRINCIPALS)
@pytest.mark.parametrize("name", list(API_PATHS))
def test_api_read_paths(world, principal, name, tmp_path):
    db, names, tokens, client = world
    path, kind = API_PATHS[name]
    once = "{id}" not in path and principal != "operator_site"  # the same answer for each site
    text = None
    for level, sites in SITES.items():
        for eid, _, _ in sites:
            if text is None or not once:
                user = _user(names, principal, eid)
                headers = {"Authorization": f"Bearer {tokens[user]}"} if user else {}
                r = client.get(path.format(id=eid), headers=headers)
                text = _serialized(r, name, tmp_path)
            _assert_markers(text, principal, eid, level, name, kind)


CLI_COMMANDS = {
    "show": (("register", "show", "{id}", "--json"), "record"),
    "history": (("register", "history", "{id}", "--json"), "history"),
    "list": (("register", "list", "--json"), None),
    "near": (("register", "list", "--near", "20.6,44.8", "--json"), None),
    "export.csv": (("register", "export", "{out}.csv"), "record"),
    "export.geojson": (("register", "export", "{out}.geojson"), "record"),
    "classify": (("classify", "--json"), None),
}


# In-process CLI runs open a database per command and leave its disposal to the process's end,
# which leaks connections on PostgreSQL: SQLite only (the rules are the services', run on both
# backends by the API tests above). The CLI has no anonymous user.
@pytest.mark.parametrize("world", ["sqlite"], indirect=True)
@pytest.mark.parametrize("principal", [p for p in PRINCIPALS if p != "anonymous"])
@pytest.mark.parametrize("name", list(CLI_COMMANDS))
def test_cli_read_paths(world, principal, name, tmp_path):
    db, names, _, _ = world
    args, kind = CLI_COMMANDS[name]
    once = "{id}" not in args and principal != "operator_site"  # the same answer for each site
    text = None
    for level, sites in SITES.items():
        for eid, _, _ in sites:
            if text is None or not once:
                out = tmp_path / f"{principal}-{eid}"
                argv = [a.format(id=eid, out=out) for a in args]
                r = CliRunner().invoke(cli_app, [*argv, "--db", db.url, "--as",
                                                 _user(names, principal, eid)])
                assert r.exit_code == 0, r.output
                text = r.output
                if argv[1] == "export":
                    text += Path(argv[2]).read_text(encoding="utf-8")
            _assert_markers(text, principal, eid, level, f"cli {name}", kind)
