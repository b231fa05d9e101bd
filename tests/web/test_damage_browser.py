"""Assessing a damage event in headless Chromium, against the demo started as a user starts it
(``hazatlas demo``): Ukraine's national authority signs in, opens the sites with unassessed
damage, fills the assessment form of the demo record of the Kalush tailings storage by its
labels and submits it; the site page then shows the assessment and its effect on the release
assumptions and the rank. The public sees the list without the form. Every page opened through
``open_page`` fails the test if any request leaves 127.0.0.1."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import screenshot, start_demo

pytestmark = pytest.mark.browser

SITE = "UA-IF-KALUSH-TSF2"  # the demo's one damage record: minor damage of the dam, unassessed
PASSWORD = "a long demo passphrase for damage"


def _hazatlas(*args: str, stdin: str | None = None) -> None:
    exe = str(Path(sys.executable).with_name("hazatlas"))
    done = subprocess.run([exe, *args], input=stdin, text=True, capture_output=True)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def damage_server(tmp_path_factory):
    db = tmp_path_factory.mktemp("damage") / "demo.sqlite"
    _hazatlas("demo", "--no-serve", "--db", str(db))
    _hazatlas("users", "add", "ua", "--role", "national", "--country", "UKR", "--db", str(db))
    _hazatlas("users", "password", "ua", "--db", str(db), stdin=PASSWORD + "\n")
    proc, url = start_demo(db, env={"HAZATLAS_SECRET_KEY": "browser-test-secret"})
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_public_sees_no_assessment_form(damage_server, open_page):
    page = open_page(f"{damage_server}/damage")
    assert page.locator(f'#damage-list tr[data-id="{SITE}"]').count() == 1
    assert page.locator("form.assess-form").count() == 0
    page = open_page(f"{damage_server}/sites/{SITE}")
    assert page.locator("#damage-events tbody tr").count() == 1
    assert page.locator("form.assess-form").count() == 0


def test_assess_an_event_in_the_browser(damage_server, open_page):
    page = open_page(f"{damage_server}/login?next=/damage")
    page.get_by_label("User name").fill("ua")
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/damage")
    row = page.locator(f'#damage-list tr[data-id="{SITE}"]')
    assert "not yet" in row.inner_text()
    row.locator("summary", has_text="Assess").click()
    form = row.locator("form.assess-form")
    assert form.get_by_label("Assessed extent").input_value() == "minor"  # the reported one
    form.get_by_label("Assessed extent").select_option("destroyed")
    form.get_by_label("Assessment note").fill("Checked on site by the test (example)")
    screenshot(page, "damage-assess-form")
    with page.expect_navigation():
        form.get_by_role("button", name="Assess").click()

    assert f"/sites/{SITE}?assessed=" in page.url
    assert page.locator("#damage-assessed").is_visible()
    event = page.locator("#damage-events tbody tr").first
    assert "yes, by ua" in event.inner_text()
    assert "Checked on site by the test (example)" in event.inner_text()
    assert "reported: minor" in event.inner_text()
    assert page.locator("#damage-worst").inner_text().startswith("destroyed (DS5")
    assert page.locator("#damage-unassessed").inner_text().startswith("0 of 1")
    rank = page.locator("#damage-rank").inner_text()
    assert "Damage with loss of content: the site ranks before" in rank
    assert "Rank in Ukraine: 1 of" in rank  # destroyed: first of the country's ranking
    dam = page.locator("#damage-units tbody tr", has_text="dam")
    assert dam.locator("td").last.inner_text() == "1.00"  # a destroyed dam fails in any event
    page.locator("#damage-effect").scroll_into_view_if_needed()
    screenshot(page, "damage-assessed")

    page.goto(f"{damage_server}/damage")
    assert page.locator("#damage-summary").inner_text().startswith("Events: 0; sites: 0.")
