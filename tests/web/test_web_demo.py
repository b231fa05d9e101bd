"""The demo as a user runs it: `hazatlas demo` in a subprocess (tests/web/conftest.py), then the
register page in headless Chromium (Debian's package, driven by Playwright with
``executable_path``)."""

from __future__ import annotations

import httpx

from .conftest import screenshot


def test_demo_serves_the_register(demo_server):
    body = httpx.get(demo_server + "/api/establishments", params={"limit": 1000}).json()
    assert body["numberMatched"] >= 40
    countries = {f["properties"]["country_iso3"] for f in body["features"]}
    assert {"ROU", "SRB", "UKR", "KGZ", "UZB"} <= countries
    assert any(f["properties"]["kind"] == "tailings" for f in body["features"])


def test_register_page_in_chromium(demo_server, open_page):
    page = open_page(demo_server + "/register")
    rows = page.locator("#register tbody tr")
    n_all = rows.count()
    assert n_all >= 40
    assert page.locator("footer").inner_text().startswith("Made with Natural Earth")
    page.fill("input[name=country]", "KGZ")
    page.select_option("select[name=kind]", "tailings")
    page.click("button[type=submit]")
    page.wait_for_url("**country=KGZ**")
    kinds = page.locator("#register tbody tr td:nth-child(3)").all_inner_texts()
    assert kinds and set(kinds) == {"tailings"}
    assert "Kyrgyzstan" in page.locator("#summary").inner_text()
    assert rows.count() < n_all
    screenshot(page, "register-filtered")


def test_register_form_submitted_empty(demo_server, open_page):
    """A browser sends every field, empty ones included (``?country=&kind=``): no filter, no 422."""
    page = open_page(demo_server + "/register?country=KGZ")
    n_kgz = page.locator("#register tbody tr").count()
    page.fill("input[name=country]", "")
    with page.expect_navigation() as nav:
        page.click("button[type=submit]")
    assert nav.value.status == 200
    assert "country=&kind=" in page.url
    assert page.locator("#register tbody tr").count() > n_kgz


def test_register_page_names_a_bad_filter(demo_server):
    r = httpx.get(demo_server + "/register", params={"country": "12", "kind": "dam"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "is not an ISO 3166 alpha-3 code" in r.text and "is not one of" in r.text
