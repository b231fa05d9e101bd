"""Shared fixtures: the same storage and API tests run on SQLite and on PostgreSQL/PostGIS.

PostGIS: ``HAZATLAS_TEST_POSTGRES`` (default ``postgresql://postgres@127.0.0.1:5432/postgres``)
must reach a server where the ``postgis`` extension can be created. Locally, PostGIS tests skip
with the reason when it cannot; under CI (``CI=true``) they fail instead of skipping.
"""

from __future__ import annotations

import csv
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from hazatlas.formats.register_columns import COLUMNS
from hazatlas.services import geodata
from hazatlas.storage.db import Database

PG_ADMIN_URL = os.environ.get("HAZATLAS_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
REGISTER_TABLES = ("inventory_item", "establishment", "change_log", "api_token", "user_account")


def _pg(url: str) -> str:
    return "postgresql+psycopg://" + url.split("://", 1)[1]


def _unavailable(reason: str):
    if IN_CI:
        pytest.fail(f"PostGIS is required under CI but unavailable: {reason}")
    pytest.skip(f"PostGIS not available: {reason}")


@pytest.fixture(scope="session")
def postgis_database() -> Iterator[Database]:
    name = f"hazatlas_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = create_engine(_pg(PG_ADMIN_URL), isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # server down, no rights ...
        _unavailable(f"cannot create a database at {PG_ADMIN_URL} ({exc.__class__.__name__}: {exc})")
    base = _pg(PG_ADMIN_URL).rsplit("/", 1)[0]
    db = Database(f"{base}/{name}")
    try:
        try:
            db.migrate()
        except Exception as exc:
            _unavailable(f"cannot create the postgis extension ({exc.__class__.__name__}: {exc})")
        geodata.load_geodata(db, rivers=True)
        yield db
    finally:
        db.dispose()
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)])
def empty_database(request, tmp_path) -> Iterator[Database]:
    """An empty database, not migrated (for migration tests), on SQLite and on PostGIS; the
    PostGIS one skips without a server, or fails under CI, like :func:`postgis_database`."""
    if request.param == "sqlite":
        db = Database(tmp_path / "empty.sqlite")
        yield db
        db.dispose()
        return
    name = f"hazatlas_mig_{uuid.uuid4().hex[:10]}"
    try:
        admin = create_engine(_pg(PG_ADMIN_URL), isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # server down, no rights ...
        _unavailable(f"cannot create a database at {PG_ADMIN_URL} ({exc.__class__.__name__}: {exc})")
    db = Database(f"{_pg(PG_ADMIN_URL).rsplit('/', 1)[0]}/{name}")
    try:
        yield db
    finally:
        db.dispose()
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def sqlite_database(tmp_path_factory) -> Iterator[Database]:
    db = Database(tmp_path_factory.mktemp("db") / "hazatlas.sqlite")
    db.migrate()
    geodata.load_geodata(db, rivers=True)
    yield db
    db.dispose()


def _clean(db: Database) -> None:
    from hazatlas.storage.tables import Base

    names = set(REGISTER_TABLES) | {
        t for t in Base.metadata.tables if t not in ("country", "river_reach")}
    ordered = [t.name for t in reversed(Base.metadata.sorted_tables) if t.name in names]
    with db.transaction() as s:
        for t in ordered:
            s.execute(text(f"DELETE FROM {t}"))  # noqa: S608 - fixed table names


@pytest.fixture(params=["sqlite", "postgis"])
def db(request) -> Iterator[Database]:
    """An empty register (countries and rivers loaded) on each backend."""
    if request.param == "postgis":
        request.applymarker(pytest.mark.postgis)
        database = request.getfixturevalue("postgis_database")
    else:
        database = request.getfixturevalue("sqlite_database")
    _clean(database)
    yield database
    _clean(database)


@pytest.fixture
def sqlite_db(sqlite_database) -> Iterator[Database]:
    """SQLite only, for tests whose subject does not depend on the backend."""
    _clean(sqlite_database)
    yield sqlite_database
    _clean(sqlite_database)


# -- sample register files -------------------------------------------------------------

HEADER = list(COLUMNS)


def row(**values: str) -> dict[str, str]:
    base = {c: "" for c in HEADER}
    base.update(values)
    return base


SAMPLE = [
    row(establishment_id="RO-BM-AURUL", name="Aurul tailings pond", kind="tailings", country="ROU",
        lon="23.5290", lat="47.6420", status="closed", operator="Aurul S.A.", nace_code="B07.29",
        receiving_water="Somes", disclosure="parties", source="https://example.org/aurul", source_date="2000-03-01",
        external_ids="icpdr_ars=RO-001;eSPIRS=17", stored_volume="2.5", stored_volume_unit="Mm3",
        dam_height_m="20", area_ha="93", construction_method="upstream", commodity="gold",
        tailings_status="inactive", last_inspection="2019-05-02",
        constituents="Cyanide:120 mg/kg:57-12-5;Copper:0.2 %:7440-50-8",
        substance_name="Sodium cyanide", cas_number="143-33-9",
        hazard_statements="H290;H300;H310;H330;H372;H410", quantity="100", unit="t",
        quantity_basis="illustrative", physical_state="solid"),
    row(establishment_id="RO-BM-AURUL", name="Aurul tailings pond", kind="tailings", country="ROU",
        lon="23.5290", lat="47.6420", status="closed", operator="Aurul S.A.", nace_code="B07.29",
        receiving_water="Somes", disclosure="parties", source="https://example.org/aurul", source_date="2000-03-01",
        external_ids="icpdr_ars=RO-001;eSPIRS=17", stored_volume="2.5", stored_volume_unit="Mm3",
        dam_height_m="20", area_ha="93", construction_method="upstream", commodity="gold",
        tailings_status="inactive", last_inspection="2019-05-02",
        constituents="Cyanide:120 mg/kg:57-12-5;Copper:0.2 %:7440-50-8",
        substance_name="Copper sulphate", cas_number="7758-98-7", hazard_statements="H302;H315;H319;H410",
        quantity="2000", unit="lb", quantity_basis="illustrative", physical_state="solid"),
    row(establishment_id="RS-PANCEVO-HIP", name="HIP Azotara Pančevo", country="SRB", lon="20.6900",
        lat="44.8370", operator="HIP Azotara", nace_code="20.15", receiving_water="Danube",
        disclosure="national", source="https://example.org/pancevo",
        substance_name="Ammonia, anhydrous", cas_number="7664-41-7",
        hazard_statements="H221;H280;H314;H331;H410", seveso_entry="35", quantity="15000", unit="t",
        quantity_basis="illustrative", physical_state="liquefied_gas", storage_unit="tank farm"),
    row(establishment_id="UA-KALUSH-HCB", name="Kalush HCB storage", country="UKR", lon="24.3700",
        lat="49.0200", status="abandoned", source="https://example.org/kalush", disclosure="public",
        substance_name="Hexachlorobenzene", cas_number="118-74-1", hazard_statements="H350;H372;H410",
        quantity="11500", unit="t", quantity_basis="published", cannot_initiate="false"),
    row(establishment_id="KG-MAILUU-TP3", name="Mailuu-Suu tailings 3", kind="tailings", country="KGZ",
        lon="72.4500", lat="41.2700", source="https://example.org/mailuu", disclosure="public",
        stored_volume="110000", dam_height_m="12"),
]


def write_csv(path: Path, rows: list[dict[str, str]], header: list[str] | None = None) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=header or HEADER)
        w.writeheader()
        for r in rows:
            w.writerow({k: v for k, v in r.items() if k in (header or HEADER)})
    return path


@pytest.fixture
def sample_csv(tmp_path) -> Path:
    header = HEADER + ["area_ha"]
    return write_csv(tmp_path / "register.csv", SAMPLE, header)


@pytest.fixture
def make_csv(tmp_path):
    def make(rows: list[dict[str, str]], name: str = "bad.csv") -> Path:
        header = HEADER + ["area_ha"]
        return write_csv(tmp_path / name, rows, header)

    return make


@pytest.fixture
def sample_rows():
    return [dict(r) for r in SAMPLE]


@pytest.fixture
def row_factory():
    return row
