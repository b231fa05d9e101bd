"""The map page in headless Chromium against the demo (``hazatlas demo``): sites drawn, the
filter form (including fields left empty), the filters round-tripping through the URL, a site's
popup linking to its page; no request leaves 127.0.0.1 (``open_page``)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx

from .conftest import screenshot

KNOWN_ID = "RS-BOR-VK"  # a Serbian record of the demo register


def _loaded(page, loads: int = 1) -> int:
    """Wait until the page has drawn the sites ``loads`` times; how many matched."""
    page.wait_for_function(f"Number(document.getElementById('map').dataset.loads || 0) >= {loads}")
    return int(page.locator("#map").get_attribute("data-number-matched"))


def test_map_shows_the_demo_sites(demo_server, open_page):
    page = open_page(demo_server + "/")
    total = _loaded(page)
    assert total >= 40
    markers = page.locator("#map .site-marker, #map .marker-cluster")
    assert markers.count() > 0
    # the base map is drawn from the app's own geodata (a canvas per layer)
    for layer in ("countries", "lakes", "rivers", "borders"):
        page.wait_for_function(f"document.getElementById('map').dataset.base{layer}")
    assert page.locator("#map canvas").count() >= 4
    assert "Natural Earth" in page.locator("footer").inner_text()
    assert page.locator("#legend-colours li").count() >= 3
    screenshot(page, "map")


def test_map_filters_and_url_round_trip(demo_server, open_page):
    page = open_page(demo_server + "/map")
    total = _loaded(page)
    page.fill("#f-q", "")  # left empty, as most fields are
    page.select_option("#f-kind", "tailings")
    page.select_option("#f-country", "KGZ")
    page.click("#filters button[type=submit]")
    page.wait_for_url("**kind=tailings**")
    filtered = _loaded(page, 2)
    assert 0 < filtered < total
    query = parse_qs(urlsplit(page.url).query)
    assert query["kind"] == ["tailings"] and query["country"] == ["KGZ"] and "q" not in query
    kinds = {m.get_attribute("class") for m in page.locator("#map .site-marker").all()}
    assert kinds == {"site-marker kind-tailings"}
    screenshot(page, "map-filtered")
    shared = page.url
    # the same URL opened afresh: same form values, same sites, same view
    again = open_page(shared)
    assert _loaded(again) == filtered
    assert again.locator("#f-kind").input_value() == "tailings"
    assert again.locator("#f-country").input_value() == "KGZ"
    assert parse_qs(urlsplit(again.url).query)["z"] == query["z"]
    assert "country=KGZ" in again.locator("#register-link").get_attribute("href")


def test_map_form_submitted_without_javascript_handling(demo_server, open_page):
    """What a browser sends from the form when the script has not run: every field, empty."""
    url = demo_server + "/map?q=&country=&basin=&kind=&tier=&convention=&status=&colour=tier"
    assert httpx.get(url).status_code == 200
    page = open_page(url)
    assert _loaded(page) >= 40


def test_bad_filter_is_shown_on_the_page(demo_server, open_page):
    page = open_page(demo_server + "/map?tier=bogus&kind=tailings")
    assert "tier" in page.locator("#filter-errors").inner_text()
    assert _loaded(page) > 0


def test_site_popup_links_to_the_site_page(demo_server, open_page):
    page = open_page(demo_server + f"/map?q={KNOWN_ID}")
    assert _loaded(page) == 1
    page.locator("#map .site-marker").first.click()
    link = page.locator(".leaflet-popup .site-link")
    link.wait_for()
    assert link.get_attribute("href") == f"/sites/{KNOWN_ID}"
    assert page.locator("#site-list a").first.get_attribute("href") == f"/sites/{KNOWN_ID}"
    page.wait_for_function("getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'")
    screenshot(page, "map-popup")


def test_cluster_click_zooms_in(demo_server, open_page):
    page = open_page(demo_server + "/map?z=3&lat=45&lon=40")
    _loaded(page)
    clusters = page.locator("#map .marker-cluster")
    if page.locator("#map").get_attribute("data-mode") != "clusters":
        return  # the demo has few sites: single sites at every zoom (see test_map_api.py)
    clusters.first.click()
    page.wait_for_function("document.getElementById('map').dataset.loads > 1")
    assert int(parse_qs(urlsplit(page.url).query)["z"][0]) > 3


def test_map_and_register_in_ukrainian(demo_server, open_page):
    """The map and register pages have the layout's language switch and sign-in link; switched to
    Ukrainian, the map's labels, the texts map.js writes and the register's headings follow."""
    page = open_page(demo_server + "/map")
    _loaded(page)
    assert page.locator(".account a[href^='/login']").inner_text() == "Sign in"
    assert page.locator("label[for=f-country]").inner_text().startswith("Country")
    with page.expect_navigation():
        page.locator(".lang-switch").get_by_role("link", name="Українська").click()
    assert urlsplit(page.url).path == "/map"
    _loaded(page)
    assert page.locator("html").get_attribute("lang") == "uk"
    assert page.locator("h1").inner_text() == "Небезпечні види діяльності"
    assert page.locator("label[for=f-country]").inner_text().startswith("Країна")
    assert page.locator("label[for=f-basin]").inner_text().strip() == "Річковий басейн"
    assert page.locator("#filters button[type=submit]").inner_text() == "Застосувати фільтри"
    assert page.locator("#f-kind option[value=tailings]").inner_text() == "хвостосховище"
    assert page.locator(".account a[href^='/login']").inner_text() == "Увійти"
    assert page.locator(".site-nav a[href='/map']").inner_text() == "Мапа"
    assert page.locator("#legend-colours li").first.inner_text() == "Рівень за Seveso"
    assert page.locator("#map-status").inner_text().startswith("Об'єкти в полі зору")
    assert "Молдова" in page.locator("#f-country").inner_text()  # country names from CLDR
    screenshot(page, "map-uk")
    page.goto(demo_server + "/register")  # the choice is remembered
    assert page.locator("#register thead").inner_text().split("\t")[:3] == ["Ідентифікатор", "Назва", "Вид"]
    assert page.locator(".lang-switch a[aria-current='true']").inner_text() == "Українська"


def test_filter_form_by_keyboard_with_labels(demo_server, open_page):
    """Every control of the filter form has a label, Tab reaches each in order, and Enter in
    the text field applies the filters."""
    page = open_page(demo_server + "/map")
    _loaded(page)
    unlabelled = page.evaluate("""() => [...document.querySelectorAll('#filters input, #filters select')]
        .filter(c => !c.labels.length || !c.labels[0].textContent.trim()).map(c => c.id)""")
    assert unlabelled == []
    page.locator(".skip-link").focus()
    order = []
    for _ in range(30):
        page.keyboard.press("Tab")
        order.append(page.evaluate("document.activeElement.id || document.activeElement.tagName"))
        if order[-1] == "BUTTON":
            break
    controls = ["f-q", "f-country", "f-basin", "f-kind", "f-tier", "f-convention", "f-status",
                "f-colour", "BUTTON"]
    assert [c for c in order if c in controls] == controls
    page.locator("#f-q").focus()
    page.keyboard.type("bor")
    page.keyboard.press("Enter")
    page.wait_for_url("**q=bor**")
    assert 0 < _loaded(page, 2) < 40


def test_colour_by_water_risk_index(demo_server, open_page):
    page = open_page(demo_server + "/map")
    _loaded(page)
    with page.expect_response(lambda r: "/api/map/sites" in r.url and "colour=wri" in r.url) as got:
        page.select_option("#f-colour", "wri")
    doc = got.value.json()
    assert "colour=wri" in page.url
    legend = page.locator("#legend-colours li").all_inner_texts()
    assert legend[0] == "Water Risk Index (WRI)"
    assert {"below 5", "5-6", "8-9", "9 and above", "withheld", "not assessed"} <= set(legend)
    # the public sees a class for public sites only; the markers take the classes' colours
    classes = {f["properties"]["wri_class"] for f in doc["features"]}
    assert "withheld" in classes and len(classes - {"withheld", "not assessed"}) >= 2
    page.wait_for_function("Number(document.getElementById('map').dataset.loads) >= 2")
    colours = set(page.locator("#map .site-marker").evaluate_all(
        "ms => ms.map(m => getComputedStyle(m).backgroundColor)"))
    assert len(colours) >= 3
    screenshot(page, "map-wri")


def test_unknown_basin_is_named_in_the_page_language(demo_server, open_page):
    page = open_page(demo_server + "/language/uk?next=/map")
    _loaded(page)
    page.fill("#f-basin", "Atlantis")
    page.click("#filters button[type=submit]")
    page.locator("#filter-errors").wait_for()
    text = page.locator("#filter-errors").inner_text()
    assert "Річковий басейн: 'Atlantis' не є річковим басейном" in text
    assert page.locator("#f-basin").get_attribute("aria-invalid") == "true"
    assert _loaded(page) >= 40  # the other filters (none) still apply
    screenshot(page, "map-filter-error-uk")
