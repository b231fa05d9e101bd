"""A consultation in real Chromium on ``hazatlas demo``: Moldova's authority opens it with the
CLI; a registered stakeholder signs in, finds it under "Consultations" and comments through the
form; the authority answers under the comment; the stakeholder sees the answer. The public
information index answers without login. Every request stays on 127.0.0.1 (conftest.open_page).
Example users and texts."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import screenshot, start_demo

PASSWORD = "consultation-browser-pw"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    db = tmp_path_factory.mktemp("consult") / "demo.sqlite"
    proc, url = start_demo(db)
    env = {**os.environ, "HAZATLAS_DATABASE_URL": f"sqlite:///{db}", "PW": PASSWORD}
    exe = str(Path(sys.executable).with_name("hazatlas"))

    def cli(*args: str) -> str:
        return subprocess.run([exe, *args], capture_output=True, text=True, check=True,
                              env=env).stdout

    try:
        cli("users", "add", "md-auth", "--role", "national", "--country", "MDA",
            "--password-env", "PW")
        cli("users", "add", "md-ngo", "--role", "stakeholder", "--country", "MDA",
            "--password-env", "PW")
        now = dt.datetime.now(dt.UTC)
        opened = json.loads(cli(
            "consultation", "open", "--as", "md-auth", "--country", "MDA", "--title",
            "Off-site plan, Giurgiulesti port (example)", "--on", "document",
            "--document-title", "Off-site plan, draft 2", "--opens",
            (now - dt.timedelta(hours=1)).isoformat(), "--closes",
            (now + dt.timedelta(days=30)).isoformat(), "--json"))
        yield url, opened["id"]
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def sign_in(page, url: str, user: str, next_: str) -> None:
    page.goto(f"{url}/login?next={next_}")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.login-form button[type=submit]")
    page.wait_for_url(f"**{next_}")


def test_stakeholder_comments_authority_answers(demo, open_page):
    url, cid = demo
    stakeholder = open_page(url + "/public/sites")
    assert stakeholder.locator("h1").inner_text() == "Information to the public"
    sign_in(stakeholder, url, "md-ngo", "/consultations")
    stakeholder.click("text=Off-site plan, Giurgiulesti port (example)")
    stakeholder.fill("#f-organisation", "Eco-Giurgiulesti (example)")
    stakeholder.fill("#f-text", "Add the school on Strada Portului to the warning list.")
    stakeholder.click("form.comment-form button[type=submit]")
    stakeholder.wait_for_url(f"**/consultations/{cid}?saved=comment")
    assert "Add the school" in stakeholder.locator("article.comment").inner_text()
    authority = open_page(url + "/login")
    sign_in(authority, url, "md-auth", f"/consultations/{cid}")
    comment = authority.locator("article.comment").first
    comment.locator("textarea").fill("Added to section 4 of draft 3.")
    comment.locator("button[type=submit]").click()
    authority.wait_for_url("**saved=answer**")
    stakeholder.reload()
    assert "Added to section 4 of draft 3." in stakeholder.locator("div.answer").inner_text()
    screenshot(stakeholder, "consultation")
