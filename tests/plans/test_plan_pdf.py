"""The printable plan as PDF, printed by Debian's Chromium (``HAZATLAS_CHROMIUM``), one file per
language of the plan; the text is read back with ``pdftotext`` (poppler-utils). Through the
services, the CLI (``--format pdf --lang xx``) and the API (``format=pdf``); without Chromium a
clear error naming the setting (CLI exit status 2, API 503)."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from fastapi.testclient import TestClient
from tests.plans.conftest import T0
from typer.testing import CliRunner

from hazatlas.api.app import create_app
from hazatlas.cli.main import app
from hazatlas.formats.plan_pdf import PdfUnavailableError, find_chromium
from hazatlas.services import plans, users
from hazatlas.services.plans.export import export_file
from hazatlas.services.settings import Settings

CHROMIUM = os.environ.get("HAZATLAS_CHROMIUM", "/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
TEXTS = {"ro": "Poluarea accidentală a Dunării la Giurgiulești.",
         "uk": "Аварійне забруднення Дунаю в Джурджулешти.",
         "en": "Accidental pollution of the Danube at Giurgiulesti."}


@pytest.fixture
def chromium():
    for tool in (CHROMIUM, "pdftotext"):
        if not (os.path.exists(tool) or shutil.which(tool)):
            if IN_CI:
                pytest.fail(f"{tool} is required under CI (apt-get install chromium poppler-utils)")
            pytest.skip(f"{tool} is not installed")
    return CHROMIUM


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True,
                          check=True)
    return " ".join(done.stdout.decode("utf-8").split())


def test_pdf_in_each_language(db, people, plan, chromium):
    plans.edit_section(db, people["md"], "danube-delta", "scope", text=TEXTS, public=True)
    for lang in ("ro", "uk", "en"):
        done = export_file(db, people["ro"], "danube-delta", "pdf", lang, chromium=chromium, now=T0)
        assert done.media_type == "application/pdf" and done.filename == f"danube-delta.{lang}.pdf"
        text = pdf_text(done.content)
        assert "Danube Delta joint plan (example)" in text
        assert TEXTS[lang] in text  # the section's text in this language, and only it
        assert all(other not in text for code, other in TEXTS.items() if code != lang)


def test_pdf_without_chromium_names_the_setting(db, people, plan, tmp_path):
    with pytest.raises(PdfUnavailableError, match="HAZATLAS_CHROMIUM"):
        export_file(db, people["ro"], "danube-delta", "pdf", "ro",
                    chromium=str(tmp_path / "no-chromium"))
    with pytest.raises(PdfUnavailableError, match="apt-get install chromium"):
        find_chromium(str(tmp_path / "no-chromium"))


def test_pdf_from_the_cli_and_the_api(db, people, plan, chromium, tmp_path, monkeypatch):
    plans.edit_section(db, people["md"], "danube-delta", "scope", text=TEXTS, public=True)
    if db.url.startswith("postgresql"):
        pytest.skip("the CLI test runs on SQLite (the services' test covers PostGIS)")
    monkeypatch.setenv("HAZATLAS_CHROMIUM", chromium)
    target = tmp_path / "plan.uk.pdf"
    r = CliRunner().invoke(app, ["plan", "export", "danube-delta", "--format", "pdf", "--lang",
                                 "uk", "-o", str(target), "--db", db.url, "--as", "ua"])
    assert r.exit_code == 0, r.output
    assert TEXTS["uk"] in pdf_text(target.read_bytes())
    r = CliRunner().invoke(app, ["plan", "export", "danube-delta", "--format", "pdf", "--lang",
                                 "uk", "--db", db.url, "--as", "ua"])
    assert r.exit_code == 2 and "--output" in r.output
    monkeypatch.setenv("HAZATLAS_CHROMIUM", str(tmp_path / "none"))
    r = CliRunner().invoke(app, ["plan", "export", "danube-delta", "--format", "pdf", "--lang",
                                 "uk", "-o", str(tmp_path / "x.pdf"), "--db", db.url])
    assert r.exit_code == 2 and "HAZATLAS_CHROMIUM" in r.output
    assert not (tmp_path / "x.pdf").exists()

    token = users.issue_token(db, "ro")
    for path, status in ((chromium, 200), (str(tmp_path / "none"), 503)):
        with TestClient(create_app(Settings(database_url=db.url, chromium=path), db)) as c:
            r = c.get("/api/plans/danube-delta/export?format=pdf&language=ro",
                      headers={"Authorization": f"Bearer {token}"})
            assert r.status_code == status, r.text
            if status == 200:
                assert r.headers["content-type"] == "application/pdf"
                assert 'filename="danube-delta.ro.pdf"' in r.headers["content-disposition"]
                assert TEXTS["ro"] in pdf_text(r.content)
            else:
                assert "HAZATLAS_CHROMIUM" in r.json()["detail"]
    with TestClient(create_app(Settings(database_url=db.url, chromium=chromium), db)) as c:
        r = c.get("/api/plans/danube-delta/export?format=pdf&language=ro")  # the public
        assert TEXTS["ro"] in pdf_text(r.content)  # the scope is public
