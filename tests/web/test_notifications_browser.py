"""Warning in the browser on the demo as a newcomer starts it (``hazatlas demo``: the demo
directory, the demo users, the loopback mail sink and the worker): a scenario stored with the
CLI (a chlorine plume from BorsodChem, which reaches Slovakia), the report composed from it at
``/notifications/new?scenario=ID`` by Hungary's user, marked as an exercise and sent; the e-mail
received by the demo's SMTP server on loopback and shown at ``/demo/mail``; Slovakia's user
acknowledges it in the browser and the sender's report page shows the change without a reload
(notify.js). Every page's requests stay on 127.0.0.1 (conftest.open_page)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from hazatlas.services.demo_mail import DEMO_COUNTRIES, demo_user

from .conftest import screenshot, start_demo

BORSODCHEM = ["plume", "--establishment", "HU-BAZ-BORSODCHEM", "--wind", "3m/s",
              "--stability", "D", "--wind-from", "200", "--json"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo server, its password for the demo users, and a stored plume scenario."""
    db = tmp_path_factory.mktemp("warn") / "demo.sqlite"
    proc, url = start_demo(db)
    try:
        log = (db.parent / "server.log").read_text()
        password = re.search(r"password for this run:\s+(\S+)", log).group(1)
        exe = Path(sys.executable).with_name("hazatlas")
        run = subprocess.run([str(exe), *BORSODCHEM], capture_output=True, text=True, check=True,
                             env={**os.environ, "HAZATLAS_DATABASE_URL": f"sqlite:///{db}"})
        scenario = json.loads(run.stdout)["scenario_id"]
        yield url, password, scenario
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def sign_in(page, url: str, user: str, password: str, next_: str) -> None:
    page.goto(f"{url}/login?next={next_}")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password)
    page.click("form.login-form button[type=submit]")
    page.wait_for_url(f"**{next_}")


def test_compose_from_scenario_deliver_acknowledge(demo, open_page):
    url, password, scenario = demo
    sender = open_page(url + "/register")
    sign_in(sender, url, "demo-hun", password, f"/notifications/new?scenario={scenario}")
    assert scenario in sender.locator("#from-scenario").inner_text()
    # filled in from the scenario: the facts, the areas, the proposed recipients
    assert sender.locator("select[name='accident.type']").input_value() == "release_to_air"
    assert "BorsodChem" in sender.locator("input[name='accident.place.description']").input_value()
    assert sender.locator("#areas input[type=checkbox]").count() >= 1
    assert sender.locator("#rcpt-SVK").is_checked()
    assert sender.locator("input[name='accident.substances[0].name']").input_value()
    screenshot(sender, "notification-compose")
    # editable: an exercise, with the measures taken
    sender.select_option("select[name=status]", "exercise")
    sender.fill("textarea[name='texts[0].measures_taken']", "Exercise: the plant's siren sounded.")
    sender.click("#send-button")
    sender.wait_for_url("**done=sent")
    report_id = sender.url.split("/notifications/")[1].split("?")[0]
    assert sender.locator("h1 .mark-exercise").is_visible()
    assert "EXERCISE" in sender.locator(".status-banner").inner_text()
    svk = sender.locator("tr[data-party=SVK] .d-state")
    svk.and_(sender.locator("[data-state=delivered]")).wait_for(timeout=30_000)  # notify.js
    sender.locator("#deliveries").scroll_into_view_if_needed()
    screenshot(sender, "notification-sent")

    # the e-mail as the loopback SMTP server received it
    mail = open_page(url + "/demo/mail")
    item = mail.locator(f"article.mail[data-report='{report_id}']").filter(
        has=mail.locator(".mail-to", has_text="poc-svk@demo.localhost"))
    assert item.count() == 1
    assert item.locator(".mark-exercise").is_visible() and item.get_attribute("data-status") == "exercise"
    screenshot(mail, "notification-demo-mail")

    # Slovakia acknowledges in the browser
    receiver = open_page(url + "/register")
    sign_in(receiver, url, "demo-svk", password, "/notifications")
    row = receiver.locator(f"#received tr[data-id='{report_id}']")
    assert row.get_attribute("data-status") == "exercise"
    assert row.locator(".mark-exercise").is_visible()
    screenshot(receiver, "notification-inbox")
    row.locator("a").click()
    receiver.wait_for_url(f"**/notifications/{report_id}")
    assert receiver.locator(".status-banner.mark-exercise").is_visible()
    receiver.click("#ack-button")
    receiver.wait_for_url("**done=ack")
    assert receiver.locator("#ack-done").is_visible()
    screenshot(receiver, "notification-acknowledged")

    # the sender's page, still open, shows it (polling, no reload by the test)
    svk.and_(sender.locator("[data-state=acknowledged]")).wait_for(timeout=30_000)
    assert sender.locator("tr[data-party=SVK] .d-acknowledged").inner_text() != "—"
    sender.locator("#deliveries").scroll_into_view_if_needed()
    screenshot(sender, "notification-sender-sees-ack")

    # a country it was not sent to reads nothing of it
    parties = set(sender.locator("tr[data-party]").evaluate_all(
        "rows => rows.map(r => r.getAttribute('data-party'))"))
    outsider = next(c for c in DEMO_COUNTRIES if c not in parties | {"HUN"})
    other = open_page(url + "/register")
    sign_in(other, url, demo_user(outsider), password, "/notifications")
    assert other.locator(f"tr[data-id='{report_id}']").count() == 0
    r = other.goto(f"{url}/notifications/{report_id}")
    assert r.status == 404
