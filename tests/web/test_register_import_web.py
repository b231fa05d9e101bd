"""Importing a register file from the web page ``/register/import`` over HTTP, on SQLite and
PostGIS: who may, CSRF, the background job's status, the counts, the rejected rows listed and
translated, nothing written when the import is refused (the browser walk-through is in
test_register_import_browser.py)."""

from __future__ import annotations

import re
import string
import time

import pytest
from fastapi.testclient import TestClient
from tests.conftest import SAMPLE, row, write_csv

from hazatlas.api.app import create_app
from hazatlas.domain.access import SYSTEM
from hazatlas.formats.register_rows import parse_register
from hazatlas.formats.tables import read_table
from hazatlas.services import geodata, users
from hazatlas.services.import_jobs import ImportJob, ImportJobs
from hazatlas.services.register import RegisterService
from hazatlas.services.settings import Settings
from hazatlas.web import i18n
from hazatlas.web.problems import MESSAGES, message_form

STAGE_MESSAGES = ("Waiting to start", "Reading the file", "Checking {count} rows",
                  "Writing {count} establishments", "Done", "Choose a file to import.",
                  "The file may have at most {mb} MB.")


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}

PASSWORD = "correct horse battery staple"
GOOD = [
    SAMPLE[2],  # RS-PANCEVO-HIP
    row(establishment_id="RS-BG-DEPOT", name="Belgrade fuel depot", country="SRB", lon="20.4600",
        lat="44.8100", disclosure="public", source="https://example.org/depot",
        substance_name="Petrol", hazard_statements="H224;H304;H411", seveso_entry="34",
        quantity="500", unit="t"),
]
BAD = [
    *GOOD,
    row(establishment_id="RS-BAD-KIND", name="Wrong kind", kind="factory", country="SRB",
        lon="20.5", lat="44.9", source="https://example.org/x"),
    row(establishment_id="RS-BAD-LON", name="No longitude", country="SRB", lon="east",
        lat="44.9", source="https://example.org/y"),
]


@pytest.fixture
def app(db):
    for name, role, extra in (("rs", "national", {"country": "SRB"}),
                              ("basin", "basin", {"country": "SRB"}),
                              ("hu", "national", {"country": "HUN"})):
        users.create_user(db, name, role, password=PASSWORD, **extra)
    return create_app(Settings(database_url=db.url, secret_key="test-secret"), db)


def client_for(app, username: str | None) -> TestClient:
    c = TestClient(app)
    if username:
        page = c.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        r = c.post("/login", data={"username": username, "password": PASSWORD,
                                   "csrf_token": token}, follow_redirects=False)
        assert r.status_code == 303, r.text
    return c


def form_token(c: TestClient) -> str:
    page = c.get("/register/import")
    assert page.status_code == 200, page.text
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def upload(c: TestClient, path, *, skip: bool = False, token: str | None = None):
    data = {"csrf_token": form_token(c) if token is None else token}
    if skip:
        data["skip_invalid"] = "on"
    with path.open("rb") as fh:
        return c.post("/register/import", data=data, files={"file": (path.name, fh, "text/csv")},
                      follow_redirects=False)


def finished(c: TestClient, job_url: str) -> dict:
    """The job's status once it has ended (the import runs in a background thread)."""
    for _ in range(600):
        status = c.get(job_url + "/status").json()
        if status["state"] != "running":
            return status
        time.sleep(0.1)
    raise AssertionError(f"the import {job_url} did not end: {status}")


def stored_ids(db) -> set[str]:
    return {e.id for e, _ in RegisterService(db, SYSTEM).all()}


def test_a_visitor_is_sent_to_sign_in_and_a_basin_user_is_refused(app, db, tmp_path):
    with client_for(app, None) as c:
        r = c.get("/register/import", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/login?next=/register/import"
        assert 'href="/register/import"' not in c.get("/map").text  # no link in the navigation
    with client_for(app, "basin") as c:
        r = c.get("/register/import")
        assert r.status_code == 403 and "may import register files" in r.text
        assert 'href="/register/import"' not in r.text.split("</nav>")[0]
        token = re.search(r'name="csrf_token" value="([^"]+)"', r.text).group(1)
        r = upload(c, write_csv(tmp_path / "good.csv", GOOD), token=token)
        assert r.status_code == 403
    assert stored_ids(db) == set()


def test_a_good_file_is_imported_with_its_counts(app, db, tmp_path):
    with client_for(app, "rs") as c:
        assert 'href="/register/import"' in c.get("/map").text  # in the navigation
        r = upload(c, write_csv(tmp_path / "good.csv", GOOD))
        assert r.status_code == 303
        job = r.headers["location"]
        assert re.fullmatch(r"/register/import/[\w-]{20,}", job)
        status = finished(c, job)
        assert status["state"] == "imported" and status["stage"] == "done"
        assert status["step"] == status["steps"] == 4
        page = c.get(job)
        assert page.status_code == 200
        assert re.search(r'data-count="created">2<', page.text)
        assert re.search(r'data-count="rejected">0<', page.text)
        assert 'id="import-problems"' not in page.text
    assert stored_ids(db) == {"RS-PANCEVO-HIP", "RS-BG-DEPOT"}
    history = RegisterService(db, SYSTEM).history("RS-BG-DEPOT")
    assert history[0].actor == "rs" and history[0].context == "import good.csv"


def test_bad_rows_refuse_the_whole_file_and_are_listed(app, db, tmp_path):
    with client_for(app, "rs") as c:
        job = upload(c, write_csv(tmp_path / "bad.csv", BAD)).headers["location"]
        assert finished(c, job)["state"] == "refused"
        page = c.get(job).text
    assert stored_ids(db) == set()  # transactional: the good rows were not written either
    assert "Nothing was imported." in page
    rows = re.findall(r"<tr><td>bad\.csv</td><td>(\d+)</td><td>(\w+)</td><td>([^<]+)</td></tr>",
                      page.replace("&#39;", "'"))
    assert ("4", "kind", "'factory' is not one of industrial, tailings") in rows
    assert ("5", "lon", "'east' is not a number") in rows


def test_skip_invalid_imports_the_rest_and_lists_the_rejected_rows_translated(app, db, tmp_path):
    with client_for(app, "rs") as c:
        job = upload(c, write_csv(tmp_path / "bad.csv", BAD), skip=True).headers["location"]
        assert finished(c, job)["state"] == "imported"
        c.cookies.set("hazatlas_lang", "uk")
        page = c.get(job).text.replace("&#39;", "'")
        assert re.search(r'data-count="created">2<', page)
        assert re.search(r'data-count="rejected">2<', page)
        assert "'factory' не є одним із значень industrial, tailings" in page
        assert "'east' не є числом" in page
        assert 'lang="en"' not in page.split('id="import-problems"')[1]  # every message translated
        c.cookies.set("hazatlas_lang", "ru")
        assert "'east' не является числом" in c.get(job).text.replace("&#39;", "'")
        assert c.get(job + "/status").json()["text"] == "Готово"
        rejects = c.get(job + "/rejects.csv")
        assert rejects.status_code == 200 and rejects.headers["content-type"].startswith("text/csv")
        assert 'filename="bad.rejects.csv"' in rejects.headers["content-disposition"]
        assert "RS-BAD-KIND" in rejects.text and "RS-PANCEVO-HIP" not in rejects.text
    assert stored_ids(db) == {"RS-PANCEVO-HIP", "RS-BG-DEPOT"}


def test_rows_of_another_country_are_refused_by_the_access_rules(app, db, tmp_path):
    with client_for(app, "hu") as c:
        job = upload(c, write_csv(tmp_path / "serbia.csv", GOOD)).headers["location"]
        assert finished(c, job)["state"] == "refused"
        c.cookies.set("hazatlas_lang", "ru")
        page = c.get(job).text.replace("&#39;", "'")
    assert "пользователь 'hu' (national) не может записывать объекты страны SRB" in page
    assert stored_ids(db) == set()


def test_csrf_is_required_and_a_job_is_its_owners_only(app, db, tmp_path):
    with client_for(app, "rs") as c:
        r = upload(c, write_csv(tmp_path / "good.csv", GOOD), token="forged")
        assert r.status_code == 403
        assert stored_ids(db) == set()
        job = upload(c, write_csv(tmp_path / "good.csv", GOOD)).headers["location"]
        finished(c, job)
    with client_for(app, "hu") as other:
        assert other.get(job).status_code == 404
        assert other.get(job + "/status").status_code == 404
    with client_for(app, None) as visitor:
        assert visitor.get(job + "/status").status_code == 404


def test_the_form_names_a_missing_file(app, db):
    with client_for(app, "rs") as c:
        r = c.post("/register/import", data={"csrf_token": form_token(c)},
                   files={"file": ("", b"", "application/octet-stream")}, follow_redirects=False)
        assert r.status_code == 422
        assert 'aria-invalid="true"' in r.text and "Choose a file to import." in r.text


@pytest.mark.parametrize("lang", ["ru", "uk"])
def test_every_import_message_form_is_translated(lang):
    table = i18n.messages(lang)
    for msgid in (*MESSAGES, *STAGE_MESSAGES):
        assert table.get(msgid), f"{lang}: untranslated {msgid!r}"
        assert placeholders(table[msgid]) == placeholders(msgid), msgid


def test_the_problems_of_a_bad_file_have_known_forms(tmp_path):
    """Each kind of bad cell the register reader reports is recognised, so shown translated."""
    bad = [
        row(establishment_id="bad id!", name="A", kind="factory", country="XXX", lon="east",
            lat="95", source="s", status="gone", source_date="2020-13-45"),
        row(establishment_id="RS-B", name="B", country="SRB", lon="20.5", lat="44.9", source="s",
            substance_name="X", cas_number="50-00-1", hazard_statements="H999", seveso_entry="99",
            quantity="-5", unit="barrels", water_hazard_class="4", cannot_initiate="maybe",
            external_ids="nope"),
        row(establishment_id="RS-C", name="C", country="SRB", lon="20.5", lat="44.9",
            source="s", quantity="5"),
        row(establishment_id="RS-B", name="B2", country="SRB", lon="20.5", lat="44.9", source="s"),
        row(establishment_id="RS-D", name="D", country="SRB", lon="24.0", lat="49.8", source="s"),
    ]
    table = read_table(write_csv(tmp_path / "many.csv", bad))
    problems = parse_register(table, geodata.country_polygons()).problems
    assert len(problems) >= 15
    unknown = [p.message for p in problems if message_form(p.message) is None]
    assert not unknown, unknown


def test_the_service_reports_each_stage_of_the_import(db, tmp_path):
    stages: list[tuple[str, int]] = []
    RegisterService(db, SYSTEM).import_file(write_csv(tmp_path / "bad.csv", BAD), skip_invalid=True,
                                           progress=lambda stage, n: stages.append((stage, n)))
    assert stages == [("reading", 0), ("checking", 4), ("writing", 2), ("done", 2)]


@pytest.mark.parametrize("fmt", ["xlsx", "geojson", "gpkg"])
def test_other_formats_are_imported_from_the_page(app, db, tmp_path, fmt):
    svc = RegisterService(db, SYSTEM)
    svc.import_file(write_csv(tmp_path / "good.csv", GOOD))
    exported = tmp_path / f"register.{fmt}"
    svc.export_file(exported, fmt=fmt)
    for eid in stored_ids(db):
        svc.delete(eid)
    with client_for(app, "rs") as c:
        job = upload(c, exported).headers["location"]
        assert finished(c, job)["state"] == "imported", c.get(job).text[-2000:]
        assert re.search(r'data-count="created">2<', c.get(job).text)
    assert stored_ids(db) == {"RS-PANCEVO-HIP", "RS-BG-DEPOT"}


def test_a_file_over_the_limit_is_refused_before_the_import(db, tmp_path):
    app = create_app(Settings(database_url=db.url, secret_key="test-secret", max_upload_mb=1), db)
    users.create_user(db, "rs", "national", country="SRB", password=PASSWORD)
    big = write_csv(tmp_path / "big.csv", GOOD)
    big.write_text(big.read_text() + "\n" * (1_200_000))
    with client_for(app, "rs") as c:
        r = upload(c, big)
        assert r.status_code == 413 and "at most 1 MB" in r.text
        page = c.get("/register/import").text  # the page's script refuses it before sending
        assert 'data-max-bytes="1048576"' in page and "The file may have at most 1 MB." in page
    assert stored_ids(db) == set()


def test_one_import_at_a_time_per_user(app, db, tmp_path):
    jobs = app.state.import_jobs = ImportJobs()
    jobs._jobs["earlier"] = ImportJob("earlier", "rs", "earlier.csv", False)  # still running
    with client_for(app, "rs") as c:
        r = upload(c, write_csv(tmp_path / "good.csv", GOOD))
        assert r.status_code == 409 and "An import of yours is still running" in r.text
    with client_for(app, "hu") as other:  # another user is not held up
        assert finished(other, upload(other, write_csv(tmp_path / "hu.csv", []))
                        .headers["location"])["state"] == "imported"
    assert stored_ids(db) == set()
