"""Running each scenario type from a demo site in headless Chromium and seeing it drawn, against
the demo started as a user starts it (``hazatlas demo``), with national users whose passwords
were set with ``hazatlas users password``: a river spill from Baia Mare (Romania), a chlorine
release from BorsodChem (Hungary, disclosure "parties"), a tailings runout from Stolice (Serbia,
with the volume and dam height of docs/models/tailings.md, as tests/chain does) and the whole
tailings dam failure chain from there. The shared link
is opened by another user of the same country, and by a public visitor who is refused the
confidential run. Every page opened through ``open_page`` fails the test if any request leaves
127.0.0.1; screenshots are saved as by the other browser tests."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import screenshot, start_demo

pytestmark = pytest.mark.browser

PASSWORD = "a long demo passphrase"
USERS = (("ro", "ROU"), ("hu", "HUN"), ("hu2", "HUN"), ("rs", "SRB"))
RUN_TIMEOUT_MS = 180_000  # a first run loads the river network


def _hazatlas(*args: str, stdin: str | None = None) -> None:
    exe = str(Path(sys.executable).with_name("hazatlas"))
    done = subprocess.run([exe, *args], input=stdin, text=True, capture_output=True)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = tmp_path_factory.mktemp("scenarios") / "demo.sqlite"
    _hazatlas("demo", "--no-serve", "--db", str(db))
    for name, country in USERS:
        _hazatlas("users", "add", name, "--role", "national", "--country", country, "--db", str(db))
        _hazatlas("users", "password", name, "--db", str(db), stdin=PASSWORD + "\n")
    proc, url = start_demo(db, env={"HAZATLAS_SECRET_KEY": "browser-test-secret"})
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def signed_in(open_page, url: str, user: str, path: str):
    page = open_page(f"{url}/login?next={path}")
    page.get_by_label("User name").fill(user)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert page.url.endswith(path), page.url
    return page


def run_form(page, kind: str):
    """Submit the form of ``kind`` and wait for the page of the stored run."""
    form = page.locator(f"#run-{kind} form")
    with page.expect_navigation(url=re.compile(r"/scenarios/[0-9a-f-]{36}$"), timeout=RUN_TIMEOUT_MS):
        form.get_by_role("button", name="Run the scenario").click()
    # a layer drawn and visible (the first path may be a reach cut to a pixel at the release)
    page.locator("#scenario-map .leaflet-interactive:visible").first.wait_for()
    return page.url.rsplit("/", 1)[1]


def numbers(text: str) -> list[float]:
    return [float(x.replace(",", "")) for x in re.findall(r"\d[\d,]*\.?\d*", text)]


def test_river_spill_from_baia_mare(server, open_page):
    page = signed_in(open_page, server, "ro", "/sites/RO-BM-AURUL")
    form = page.locator("#run-river")
    form.get_by_label("Start of the release (UTC)").fill("2000-01-30T22:00")
    form.get_by_label("Time horizon (days)").fill("a month")
    with page.expect_navigation():
        form.get_by_role("button", name="Run the scenario").click()
    days = page.locator("#river-days")  # the error next to its field, the value kept
    assert days.get_attribute("aria-invalid") == "true" and days.input_value() == "a month"
    assert page.locator("#err-river-days").inner_text() == "Enter a number (a point as decimal separator)."
    assert page.evaluate("document.activeElement.id") == "river-days"  # the cursor is there
    screenshot(page, "scenario-form-errors")
    page.locator("#run-river").get_by_label("Time horizon (days)").fill("40")
    page.locator("#run-river").get_by_label("Places downstream, one per line as NAME=LON,LAT").fill(
        "Szeged=20.15,46.25")
    sid = run_form(page, "river")
    assert page.locator("#scenario-map .leaflet-interactive").count() >= 20  # reaches and source
    rows = page.locator("#scenario-countries tbody tr")
    assert rows.count() >= 5
    hungary = rows.filter(has_text="Hungary").inner_text()
    assert "2000-01-31" in hungary and all(v > 0 for v in numbers(hungary)[-4:])
    chart = page.locator("#breakthrough svg.breakthrough")
    assert chart.locator("polyline.curve").count() >= 6  # the borders and Szeged
    assert chart.locator("line.threshold").count() == 1
    assert "Szeged" in page.locator("#breakthrough figcaption").inner_text()
    assert page.locator("#scenario-legend li").count() >= 8
    link = page.locator("#compose-link")
    assert link.get_attribute("href") == f"/notifications/new?scenario={sid}"
    page.wait_for_function("() => document.getElementById('scenario-map').dataset.basecountries")
    screenshot(page, "scenario-river")
    page.locator("#breakthrough").scroll_into_view_if_needed()
    screenshot(page, "scenario-river-curves")
    page.goto(f"{server}/sites/RO-BM-AURUL")
    assert page.locator(f'#scenario-runs a[href="/scenarios/{sid}"]').inner_text() == "River spill"


def test_gas_release_from_borsodchem_shared_and_refused(server, open_page):
    page = signed_in(open_page, server, "hu", "/sites/HU-BAZ-BORSODCHEM")
    page.locator("#run-plume summary").click()
    form = page.locator("#run-plume")
    form.get_by_label("Wind speed (m/s)").fill("3")
    form.get_by_label("Atmospheric stability (Pasquill class)").select_option("D")
    form.get_by_label("Wind from (degrees, 0 = north, 90 = east)").fill("200")
    form.get_by_label("Populated places, one per line as NAME=LON,LAT").fill(
        "Szendrő=20.73,48.40\nMiskolc=20.78,48.10")
    sid = run_form(page, "plume")
    zones = page.locator("#scenario-map path.leaflet-interactive")
    assert zones.count() >= 7  # three footprints, three wedges, the wind arrow
    assert "Slovakia" in page.locator("#plume-countries").inner_text()
    places = page.locator("#scenario-places tbody").inner_text()
    assert "Szendrő" in places and "Miskolc" not in places  # upwind of the release
    aegl3 = page.locator("#scenario-zones tbody tr").filter(has_text="AEGL-3").inner_text()
    assert numbers(aegl3)[-1] > 1  # km
    assert "wind from 200°" in page.locator("#scenario-legend").inner_text()
    page.wait_for_function("() => document.getElementById('scenario-map').dataset.basecountries")
    screenshot(page, "scenario-plume")

    colleague = signed_in(open_page, server, "hu2", f"/scenarios/{sid}")  # the shared link
    assert colleague.locator("#scenario-zones").inner_text() == page.locator("#scenario-zones").inner_text()
    colleague.locator("#scenario-map path.leaflet-interactive").nth(6).wait_for()
    screenshot(colleague, "scenario-plume-shared")

    visitor = open_page(f"{server}/scenarios/{sid}")
    assert visitor.locator("h1").inner_text() == "You may not read this scenario"
    assert visitor.locator("#scenario-map").count() == 0
    assert "Chlorine" not in visitor.content() and "500000" not in visitor.content()
    screenshot(visitor, "scenario-plume-public-refused")
    visitor.goto(f"{server}/sites/HU-BAZ-BORSODCHEM")
    assert visitor.locator(f'a[href="/scenarios/{sid}"]').count() == 0


def test_tailings_runout_from_stolice(server, open_page):
    page = signed_in(open_page, server, "rs", "/sites/RS-KRUPANJ-STOLICE")
    page.locator("#run-runout summary").click()
    form = page.locator("#run-runout")
    form.get_by_label("Impounded volume (m³)").fill("100000")
    form.get_by_label("Dam height (m)").fill("10")
    form.get_by_label("Constituents, one per line as NAME=MG_PER_KG").fill("Arsenic=3000\nLead=1500")
    run_form(page, "runout")
    assert page.locator("#scenario-map path.leaflet-interactive").count() >= 1  # the path
    assert page.locator("#scenario-map .leaflet-interactive").count() >= 4  # and dam, stop, entry
    assert "Jadar" in page.locator("#runout-stop").inner_text()  # its receiving water (schematic)
    masses = page.locator("#entry-masses tbody").inner_text()
    assert "Arsenic" in masses and "Lead" in masses and numbers(masses)[0] > 1000  # kg
    # the runout stops on the Jadar, whose first border (Bosnia and Herzegovina, by the Drina)
    # lies about 49 km downstream, beyond the runout: no border along its path
    assert page.locator("#runout-crossings").count() == 0
    page.wait_for_function("() => document.getElementById('scenario-map').dataset.basecountries")
    screenshot(page, "scenario-runout")

    page.goto(f"{server}/sites/RS-KRUPANJ-STOLICE")  # the whole chain, as tests/chain runs it
    page.locator("#run-tailings-failure summary").click()
    form = page.locator("#run-tailings-failure")
    form.get_by_label("Start of the release (UTC)").fill("2014-05-15T12:00")
    form.get_by_label("Stored volume (m³)").fill("100000")
    form.get_by_label("Dam height (m)").fill("10")
    form.get_by_label("Constituents, one per line as NAME=MG_PER_KG").fill(
        "Arsenic=3000\nAntimony=5000\nLead=1500")
    run_form(page, "tailings-failure")
    assert page.locator("#scenario-map path.leaflet-interactive").count() >= 10  # reaches too
    rows = page.locator("#scenario-countries tbody tr")
    assert rows.count() >= 3
    first = rows.first.inner_text()
    assert re.search(r"Arsenic|Antimony|Lead", first) and "2014-05-1" in first
    assert "Bosnia" in page.locator("#scenario-countries").inner_text()
    page.wait_for_function("() => document.getElementById('scenario-map').dataset.basecountries")
    screenshot(page, "scenario-tailings-failure")
