"""The shareable after-action report renders in Debian's Chromium (Playwright) from a file, as
someone without an account opens it: every part is there, the evidence links jump to the
journal, and the page asks for nothing but itself."""

from __future__ import annotations

import os
import shutil

import pytest
from tests.exercises.test_exercise_play import build, play

from hazatlas.services import exercises

CHROMIUM = os.environ.get("HAZATLAS_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
@pytest.mark.usefixtures("directory", "plan")
def test_report_renders_in_chromium(db, settings, people, clock, mailbox, tmp_path):
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"Chromium is required under CI but {CHROMIUM} is missing")
        pytest.skip("Chromium not installed")
    from playwright.sync_api import sync_playwright

    build(db, people, clock)
    play(db, settings, people, clock, mailbox)
    journal = exercises.get(db, people["md"], "dd-2015")["journal"]
    note = next(e["seq"] for e in journal if e["kind"] == "note")
    exercises.rate(db, people["icpdr"], "dd-2015", target="O1", rating="S", evidence=[note],
                   clock=clock.at(200))
    exercises.add_action(db, people["md"], "dd-2015", plan_id="danube-delta",
                         section="alerting_notification", responsible="UKR", due="2016-03-01",
                         text="Put the duty officer first in Ukraine's escalation order")
    path = tmp_path / "dd-2015.html"
    path.write_text(exercises.report_text(db, people["md"], settings, "dd-2015", "html"),
                    encoding="utf-8")
    requested: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.on("request", lambda r: requested.append(r.url))
            page.goto(path.as_uri())
            headings = page.locator("h2").all_inner_texts()
            assert headings == ["Overview", "Master events list", "Measured times",
                                "Analysis by evaluation area", "Participant feedback",
                                "Improvement plan", "Appendix: journal"]
            assert page.locator(".banner").inner_text().startswith("EXERCISE")
            assert page.locator(".plan-link").inner_text() == (
                "plan danube-delta, section alerting_notification")
            assert page.locator(".r-S").first.is_visible()
            page.locator(f"a[href='#j{note}']").first.click()
            assert page.evaluate("location.hash") == f"#j{note}"
            assert page.locator(f"#j{note}").is_visible()
            path_png = tmp_path / "report.png"
            page.screenshot(path=str(path_png), full_page=True)
            assert path_png.stat().st_size > 10_000
        finally:
            browser.close()
    assert requested and all(u.startswith("file://") and u.split("#")[0] == path.as_uri()
                             for u in requested), requested
