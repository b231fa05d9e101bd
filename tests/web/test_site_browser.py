"""The site page, signing in and out and the languages in headless Chromium, against the demo
started as a user starts it (``hazatlas demo``), with a national user of Ukraine whose password
was set with ``hazatlas users password``. Every page opened through ``open_page`` fails the test
if any request leaves 127.0.0.1."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from hazatlas.domain.access import SYSTEM
from hazatlas.services import ranking
from hazatlas.services.register import RegisterService
from hazatlas.services.store import Database

from .conftest import screenshot, start_demo

pytestmark = pytest.mark.browser

SITE = "UA-LH-SVAZOT"  # national disclosure, Ukraine, with a downstream path into Russia
PASSWORD = "a long demo passphrase"


def _hazatlas(*args: str, stdin: str | None = None) -> None:
    exe = str(Path(sys.executable).with_name("hazatlas"))
    done = subprocess.run([exe, *args], input=stdin, text=True, capture_output=True)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def site_server(tmp_path_factory):
    db = tmp_path_factory.mktemp("site") / "demo.sqlite"
    _hazatlas("demo", "--no-serve", "--db", str(db))
    _hazatlas("users", "add", "ua", "--role", "national", "--country", "UKR", "--db", str(db))
    _hazatlas("users", "password", "ua", "--db", str(db), stdin=PASSWORD + "\n")
    proc, url = start_demo(db, env={"HAZATLAS_SECRET_KEY": "browser-test-secret"})
    try:
        yield url, db
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def confidential_values(db: Path) -> list[str]:
    """The confidential values of SITE as stored: inventory, notes, WRI."""
    database = Database(db)
    try:
        e, full = RegisterService(database, SYSTEM).get(SITE)
        wri = ranking.screening_for(database, SYSTEM, SITE)["wri"]
    finally:
        database.dispose()
    assert full and e.inventory and e.notes and e.disclosure == "national"
    values = [i.substance_name for i in e.inventory]
    values += [i.cas_number for i in e.inventory if i.cas_number]
    values += [i.storage_unit for i in e.inventory if i.storage_unit]
    values += [e.notes[:40], f"{wri:.2f}"]
    return values


# WCAG 2.1 contrast ratio of an element's text against the first opaque background behind it.
CONTRAST_JS = """(sel) => [...document.querySelectorAll(sel)].filter(e => e.offsetParent).map(e => {
  const rgb = s => s.match(/[\\d.]+/g).map(Number);
  const lum = c => { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  let bg = null;
  for (let n = e; n && !bg; n = n.parentElement) {
    const c = rgb(getComputedStyle(n).backgroundColor); if (c.length < 4 || c[3] > 0.99) {
      if (getComputedStyle(n).backgroundColor !== 'rgba(0, 0, 0, 0)') bg = c; } }
  const a = lum(rgb(getComputedStyle(e).color)), b = lum(bg || [255, 255, 255]);
  return [(Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05), e.tagName + ' ' + e.textContent.trim().slice(0, 30)];
})"""


def assert_contrast(page) -> None:
    low = [(round(r, 2), what) for r, what in page.evaluate(
        CONTRAST_JS, "main p, main dt, main dd, main th, main td, main a, main li, label, "
                     "header a, header span, footer p, button")
           if r < 4.5]
    assert not low, f"text below 4.5:1 contrast: {low[:5]}"


def test_public_visitor_never_sees_a_confidential_field(site_server, open_page):
    url, db = site_server
    secrets = confidential_values(db)
    page = open_page(f"{url}/sites/{SITE}")
    html = page.content()
    shown = [v for v in secrets if v in html]
    assert not shown, f"confidential values on the public page: {shown}"
    assert "Azot chemical plant" in page.locator("h1").inner_text()
    assert "withheld" in page.locator("#screening").inner_text()
    coordinates = page.locator("#coordinates")
    assert coordinates.inner_text() == "48.96700, 38.47500"  # lat, lon as the label says
    assert coordinates.get_attribute("data-lon") == "38.475"
    page.locator("#downstream").wait_for()
    assert "Russia" in page.locator("#downstream").inner_text()
    page.locator("#path-map .leaflet-interactive").first.wait_for()  # the path drawn by Leaflet
    assert page.locator("#path-map .leaflet-interactive").count() >= 2  # path and site
    assert_contrast(page)
    screenshot(page, "site-public")
    page.wait_for_function("() => document.getElementById('path-map').dataset.baseborders")
    page.locator("#downstream").scroll_into_view_if_needed()
    screenshot(page, "site-screening-path")


def test_sign_in_see_confidential_fields_sign_out(site_server, open_page):
    url, db = site_server
    secrets = confidential_values(db)
    page = open_page(f"{url}/sites/{SITE}")
    page.locator("#withheld a").click()
    page.wait_for_url(lambda u: "/login" in u)
    screenshot(page, "login")
    page.keyboard.press("Tab")  # the first stop is the skip link
    assert page.evaluate("document.activeElement.textContent").strip() == "Skip to content"
    page.get_by_label("User name").fill("ua")  # fields found by their labels
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"/sites/{SITE}")
    html = page.content()
    assert [v for v in secrets if v not in html] == [], (page.url, page.locator("main").inner_text()[:500])
    assert "Signed in as ua" in page.locator("header").inner_text()
    assert page.locator("#inventory tbody tr").count() >= 3
    assert page.locator("#sums").is_visible() and page.locator("#reasons li").count() > 0
    assert page.locator("#history tbody tr").count() >= 1
    screenshot(page, "site-national")
    cookie = next(c for c in page.context.cookies() if c["name"] == "hazatlas_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert page.evaluate("document.cookie").find("hazatlas_session") < 0
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    assert page.url.endswith(f"/sites/{SITE}")
    html = page.content()
    assert not [v for v in secrets if v in html]
    assert "Sign in" in page.locator("header").inner_text()


def test_edit_with_errors_next_to_the_field(site_server, open_page):
    url, _ = site_server
    page = open_page(f"{url}/login?next=/sites/{SITE}/edit")
    page.get_by_label("User name").fill("ua")
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert page.url.endswith(f"/sites/{SITE}/edit")
    page.get_by_label("Latitude (WGS 84, decimal degrees)").fill("95")
    page.get_by_label("Country (ISO 3166 alpha-3 code)").fill("MDA")
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    assert page.locator("#err-lat").is_visible()
    assert page.get_by_label("Latitude (WGS 84, decimal degrees)").get_attribute("aria-invalid") == "true"
    screenshot(page, "site-edit-errors")
    page.get_by_label("Latitude (WGS 84, decimal degrees)").fill("48.967")
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    assert "may not move" in page.locator("#err-country_iso3").inner_text()
    page.get_by_label("Country (ISO 3166 alpha-3 code)").fill("UKR")
    page.get_by_label("Notes").fill("Edited in the browser test.")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(lambda u: u.endswith(f"/sites/{SITE}?saved=1"))
    assert page.locator("#saved").is_visible()
    assert "Edited in the browser test." in page.locator(".notes").inner_text()
    history = page.locator("#history tbody tr").last.inner_text()
    assert "ua" in history and "web" in history  # audited under the user's name


def test_languages_switch_and_are_remembered(site_server, open_page):
    url, _ = site_server
    page = open_page(f"{url}/sites/{SITE}")
    with page.expect_navigation():
        page.get_by_role("link", name="Русский").click()
    assert page.url.endswith(f"/sites/{SITE}")
    assert page.locator("#h-screening").inner_text() == "Трансграничный скрининг"
    assert page.locator("html").get_attribute("lang") == "ru"
    assert "Россия" in page.locator("#downstream").inner_text()
    screenshot(page, "site-ru")
    page.goto(f"{url}/login")  # the next page remembers the choice
    assert page.locator("h1").inner_text() == "Войти"
    with page.expect_navigation():
        page.get_by_role("link", name="Українська").click()
    assert page.get_by_label("Ім'я користувача").is_visible()
    page.goto(f"{url}/sites/RO-BM-AURUL")
    assert page.locator("#h-history").inner_text() == "Історія змін"
    screenshot(page, "site-uk")
    with page.expect_navigation():
        page.get_by_role("link", name="English").click()
    assert page.locator("#h-history").inner_text() == "History of changes"
