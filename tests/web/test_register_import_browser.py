"""Importing a register file in headless Chromium, against the demo started as a user starts it
(``hazatlas demo``), signed in as a national user of Ukraine: a good file, then a file with bad
rows (imported without them, the rejected rows listed, in English and in Ukrainian). Every page
opened through ``open_page`` fails the test if any request leaves 127.0.0.1."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import row, write_csv

from hazatlas.domain.access import SYSTEM
from hazatlas.services.register import RegisterService
from hazatlas.services.store import Database

from .conftest import screenshot, start_demo

pytestmark = pytest.mark.browser

PASSWORD = "a long demo passphrase"
GOOD = [
    row(establishment_id="UA-TEST-KYIV", name="Kyiv test depot", country="UKR", lon="30.5200",
        lat="50.4500", disclosure="public", source="https://example.org/kyiv",
        substance_name="Chlorine", cas_number="7782-50-5", hazard_statements="H270;H315;H330;H400",
        quantity="30", unit="t"),
]
BAD = [
    row(establishment_id="UA-TEST-LVIV", name="Lviv test depot", country="UKR", lon="24.0300",
        lat="49.8400", disclosure="public", source="https://example.org/lviv"),
    row(establishment_id="UA-TEST-BAD", name="Bad unit", country="UKR", lon="25.0", lat="49.5",
        source="https://example.org/bad", substance_name="Ammonia", quantity="5", unit="barrels"),
    row(establishment_id="UA-TEST-FAR", name="Not in Ukraine", country="UKR", lon="20.46",
        lat="44.81", source="https://example.org/far"),
]


def _hazatlas(*args: str, stdin: str | None = None) -> None:
    exe = str(Path(sys.executable).with_name("hazatlas"))
    done = subprocess.run([exe, *args], input=stdin, text=True, capture_output=True)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def import_server(tmp_path_factory):
    db = tmp_path_factory.mktemp("import") / "demo.sqlite"
    _hazatlas("demo", "--no-serve", "--db", str(db))
    _hazatlas("users", "add", "ua", "--role", "national", "--country", "UKR", "--db", str(db))
    _hazatlas("users", "password", "ua", "--db", str(db), stdin=PASSWORD + "\n")
    proc, url = start_demo(db, env={"HAZATLAS_SECRET_KEY": "browser-test-secret"})
    try:
        yield url, db
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def stored(db: Path, ids: list[str]) -> set[str]:
    database = Database(db)
    try:
        return {i for i in ids if any(e.id == i for e, _ in RegisterService(database, SYSTEM).all())}
    finally:
        database.dispose()


def test_import_a_good_file_and_one_with_bad_rows(import_server, open_page, tmp_path):
    url, db = import_server
    page = open_page(f"{url}/register/import")
    page.wait_for_url(lambda u: "/login" in u)  # a visitor signs in first
    page.get_by_label("User name").fill("ua")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda u: u.endswith("/register/import"))
    assert page.get_by_role("link", name="Import").first.is_visible()  # in the navigation

    # a good file: the upload's progress, then the result with its counts
    page.get_by_label("Register file").set_input_files(str(write_csv(tmp_path / "kyiv.csv", GOOD)))
    page.get_by_role("button", name="Import", exact=True).click()
    page.wait_for_url(re.compile(r".*/register/import/[\w-]+$"))
    page.locator("#import-result").wait_for()
    assert page.locator("h1").inner_text() == "Import of kyiv.csv"
    assert page.locator('[data-count="created"]').inner_text() == "1"
    assert page.locator('[data-count="rejected"]').inner_text() == "0"
    screenshot(page, "import-good")
    assert stored(db, ["UA-TEST-KYIV"]) == {"UA-TEST-KYIV"}

    # a file with bad rows, the valid establishment imported, the rejected rows listed
    page.goto(f"{url}/register/import")
    page.get_by_label("Register file").set_input_files(str(write_csv(tmp_path / "mixed.csv", BAD)))
    page.get_by_label("Import the valid establishments and list the rejected rows").check()
    page.get_by_role("button", name="Import", exact=True).click()
    page.wait_for_url(re.compile(r".*/register/import/[\w-]+$"))
    page.locator("#import-result").wait_for()
    assert page.locator('[data-count="created"]').inner_text() == "1"
    assert page.locator('[data-count="rejected"]').inner_text() == "2"
    cells = page.locator("#import-problems tbody tr").evaluate_all(
        "rows => rows.map(r => [...r.cells].map(c => c.textContent))")
    assert ["mixed.csv", "3", "unit"] == cells[0][:3]
    assert "'barrels' is not a known mass unit: expected one of" in cells[0][3]
    assert ["mixed.csv", "4", "lon"] == cells[1][:3]
    assert "km outside UKR: expected a point inside the stated country" in cells[1][3]
    screenshot(page, "import-rejected")
    assert stored(db, ["UA-TEST-LVIV", "UA-TEST-BAD", "UA-TEST-FAR"]) == {"UA-TEST-LVIV"}

    # the same result in Ukrainian
    page.get_by_role("link", name="Українська").click()
    page.locator("#import-problems").wait_for()
    assert page.locator("th", has_text="Що очікувалося").count() == 1
    texts = page.locator("#import-problems tbody td:nth-child(4)").all_inner_texts()
    assert "'barrels' не є відомою одиницею маси" in texts[0]
    assert "поза межами UKR: очікувалася точка всередині зазначеної країни" in texts[1]
    screenshot(page, "import-rejected-uk")
