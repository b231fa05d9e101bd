"""The plan pages in the browser, on the demo as a newcomer starts it (``hazatlas demo``: the
Danube Delta example plan, the demo users): a visitor finds the plan in the list and reads its
public sections only; Ukraine's demo user edits the section Ukraine owns in the form, agrees
the new version for Ukraine, compares two versions, and downloads the plan as PDF (printed by the
server's Chromium) and reads the printable HTML document in Ukrainian. Every page's requests stay
on 127.0.0.1 (conftest.open_page)."""

from __future__ import annotations

import re

import pytest

from .conftest import screenshot, start_demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    db = tmp_path_factory.mktemp("plans") / "demo.sqlite"
    proc, url = start_demo(db)
    try:
        log = (db.parent / "server.log").read_text()
        yield url, re.search(r"password for this run:\s+(\S+)", log).group(1)
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def sign_in(page, url: str, user: str, password: str, next_: str) -> None:
    page.goto(f"{url}/login?next={next_}")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password)
    page.click("form.login-form button[type=submit]")
    page.wait_for_url(f"**{next_}")


def test_visitor_reads_the_public_sections(demo, open_page):
    url, _ = demo
    page = open_page(url + "/plans")
    assert page.locator("nav a[href='/plans']").get_attribute("aria-current") == "page"
    page.click("tr[data-id=danube-delta] a")
    page.wait_for_url("**/plans/danube-delta")
    assert page.locator("h1#title").inner_text() == "Danube Delta joint contingency plan (example)"
    assert page.locator("#public-view").is_visible()
    shown = page.locator("section.plan-section").evaluate_all("els => els.map(e => e.id)")
    assert shown == ["section-scope", "section-alerting_notification"]
    assert page.locator("#section-scope tr[data-target=MD-GIU-OIL]").is_visible()
    assert page.locator("#completeness").count() == 0 and page.locator("#revisions").count() == 0
    screenshot(page, "plan-public")


def test_party_edits_agrees_compares_and_downloads(demo, open_page):
    url, password = demo
    page = open_page(url + "/plans")
    sign_in(page, url, "demo-ukr", password, "/plans/danube-delta")
    assert page.locator("tr[data-party=UKR] .party-state").inner_text() == "draft"
    # Ukraine owns mutual assistance: only that section has an edit link for its user
    edits = page.locator("a.edit-link").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert edits == ["/plans/danube-delta/sections/mutual_assistance/edit"]
    version = int(re.search(r"\d+", page.locator("#meta").inner_text().split("·")[2]).group())
    page.click("a.edit-link")
    page.fill("#f-text-ro", "Text de exemplu. Cererile de asistență se trimit prin sistemul IAN.")
    page.fill("#f-covers", "MA1 MA2")
    screenshot(page, "plan-section-edit")
    page.click("#section-form button[type=submit]")
    page.wait_for_url("**/plans/danube-delta?done=section*")
    assert page.locator("#done").is_visible()
    # a new version: every Party is back to draft; Ukraine agrees it
    assert [page.locator(f"tr[data-party={p}] .party-state").inner_text()
            for p in ("MDA", "ROU", "UKR")] == ["draft", "draft", "draft"]
    page.click("#agree-UKR")
    page.wait_for_url("**done=agree")
    assert page.locator("tr[data-party=UKR] .party-state").inner_text() == "agreed"
    page.goto(url + "/plans/danube-delta?lang=ro")
    assert "Cererile de asistență" in page.locator("#section-mutual_assistance").inner_text()
    assert page.locator("#check-mutual_assistance .missing-elements").is_visible()
    screenshot(page, "plan-party")
    # the diff of the last two versions
    page.select_option("#diff-form select[name=from]", str(version))
    page.select_option("#diff-form select[name=to]", str(version + 1))
    page.click("#diff-form button[type=submit]")
    page.wait_for_url("**/diff?*")
    diff = page.locator("#diff-mutual_assistance")
    assert "Cererile de asistență" in diff.locator("pre.diff ins").inner_text()
    assert "MA1" in diff.inner_text()
    # the downloads, with the session of the signed-in user
    pdf = page.request.get(url + "/plans/danube-delta/download?format=pdf&lang=uk")
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF-")
    assert pdf.headers["content-type"] == "application/pdf"
    page.goto(url + "/plans/danube-delta/download?format=html&lang=uk")
    assert page.locator("html").get_attribute("lang") == "uk"
    assert page.locator("h1").inner_text() == "Danube Delta joint contingency plan (example)"
    assert page.locator("#section-scope p").first.inner_text().startswith("Приклад тексту")
    screenshot(page, "plan-document-uk")
