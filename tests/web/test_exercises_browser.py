"""An exercise in the browser, on the demo (``hazatlas demo``: its users, directory and mail
sink): Moldova's demo user, the exercise's controller, finds it in the list, starts the clock,
releases the injects that are due (the early warning goes through the demo's notification
chain), follows the link to the message's page, logs a note and ends the exercise; Serbia's
demo user, not a Party, does not see it. Every page's requests stay on 127.0.0.1
(conftest.open_page). The exercise is created with the services in the demo's database."""

from __future__ import annotations

import re

import pytest

from hazatlas.services import exercises, users
from hazatlas.storage.db import Database

from .conftest import screenshot, start_demo

ACCIDENT = {"type": "release_to_water", "severity": "severe", "certainty": "observed",
            "place": {"description": "Giurgiulesti oil terminal (example)", "country": "MDA",
                      "timezone": "Europe/Chisinau", "lon": 28.195, "lat": 45.473},
            "substances": [{"name": "crude oil", "quantity": "50 t"}]}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("exercises") / "demo.sqlite"
    proc, url = start_demo(path)
    db = Database(path)
    try:
        md = users.principal_for_user(db, "demo-mda")
        exercises.create(db, md, exercise_id="browser-ttx", title="Delta table-top (browser test)",
                         type="table_top", parties=["MDA", "ROU", "UKR"], accident=ACCIDENT)
        exercises.add_objective(db, md, "browser-ttx", objective_id="O1", area="notification",
                                text="Warn the neighbours", tasks=["Issue the early warning"])
        exercises.add_inject(db, md, "browser-ttx", inject_id="I1", offset_s=0,
                             synopsis="Slick drifts towards Reni", from_party="MDA",
                             to=["ROU", "UKR"], objective="O1", message={"type": "early_warning"},
                             expected_action="Acknowledge the early warning")
        log = (path.parent / "server.log").read_text()
        yield url, re.search(r"password for this run:\s+(\S+)", log).group(1)
    finally:
        db.dispose()
        proc.terminate()
        proc.wait(timeout=20)


def sign_in(page, url: str, user: str, password: str, next_: str) -> None:
    page.goto(f"{url}/login?next={next_}")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password)
    page.click("form.login-form button[type=submit]")
    page.wait_for_url(f"**{next_}")


def test_a_controller_plays_the_exercise(demo, open_page):
    url, password = demo
    page = open_page(url + "/")
    sign_in(page, url, "demo-mda", password, "/exercises")
    assert page.locator("nav a[href='/exercises']").get_attribute("aria-current") == "page"
    page.click("tr[data-id=browser-ttx] a")
    page.wait_for_url("**/exercises/browser-ttx")
    assert page.locator("#state").inner_text() == "planned"
    page.click("#start")
    page.wait_for_url("**done=start")
    assert page.locator("#state").inner_text() == "running"
    page.click("#release")
    page.wait_for_url("**done=release")
    link = page.locator("tr[data-id=I1] a.report-link")
    assert link.is_visible()
    page.fill("#log-text", "Romania called back at once")
    page.click("#log")
    page.wait_for_url("**done=log")
    assert "Romania called back at once" in page.locator("#journal").inner_text()
    screenshot(page, "exercise-running")
    link = page.locator("tr[data-id=I1] a.report-link")
    report_id = link.inner_text()
    link.click()
    page.wait_for_url(f"**/notifications/{report_id}")
    page.go_back()
    page.click("#end")
    page.wait_for_url("**done=end")
    assert page.locator("#state").inner_text() == "ended"
    assert page.locator("#release").count() == 0


def test_a_non_party_does_not_see_it(demo, open_page):
    url, password = demo
    page = open_page(url + "/")
    sign_in(page, url, "demo-srb", password, "/exercises")
    assert page.locator("tr[data-id=browser-ttx]").count() == 0
    assert page.goto(url + "/exercises/browser-ttx").status == 404
