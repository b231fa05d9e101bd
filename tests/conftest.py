"""Shared fixtures: the same storage and API tests run on SQLite and on PostgreSQL/PostGIS.

PostGIS: ``HAZATLAS_TEST_POSTGRES`` (default ``postgresql://postgres@127.0.0.1:5432/postgres``)
must reach a server where the ``postgis`` extension can be created. Locally, PostGIS tests skip
with the reason when it cannot; under CI (``CI=true``) they fail instead of skipping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

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
        with db.transaction() as s:
            geodata.load_geodata(s, rivers=True)
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
    with db.transaction() as s:
        geodata.load_geodata(s, rivers=True)
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
