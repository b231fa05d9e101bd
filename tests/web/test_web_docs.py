"""``/docs`` (Swagger UI) and ``/redoc`` (ReDoc) render in Chromium with nothing from outside
127.0.0.1: their files come from the installed package fastapi-offline, served by the app
(FastAPI's default pages load them from a CDN and are blank offline). ``/docs/plain`` is the
script-free reference."""

from __future__ import annotations

import re

import httpx

from .conftest import screenshot

TIMEOUT = 30_000  # ms: the scripts are about 1 MB each and the machine is shared


def test_swagger_ui_renders_offline(demo_server, open_page):
    page = open_page(demo_server + "/docs")
    page.wait_for_selector(".swagger-ui .opblock", timeout=TIMEOUT)
    assert "hazatlas" in page.locator(".swagger-ui .info .title").inner_text()
    paths = page.locator(".swagger-ui .opblock-summary-path").evaluate_all(
        "els => els.map(e => e.dataset.path || e.textContent)")
    assert "/api/map/sites" in paths and "/api/establishments" in paths
    assert page.locator(".swagger-ui .opblock-tag").count() >= 5
    scripts = page.locator("script[src]").evaluate_all("els => els.map(e => e.src)")
    assert any(s.endswith("/static/vendor/apidocs/swagger-ui-bundle.js") for s in scripts)
    screenshot(page, "api-docs-swagger")


def test_redoc_renders_offline(demo_server, open_page):
    page = open_page(demo_server + "/redoc")
    page.wait_for_selector(".api-content h1", timeout=TIMEOUT)
    assert "hazatlas" in page.locator(".api-content h1").first.inner_text()
    page.wait_for_selector("[data-section-id^='operation/']", state="attached", timeout=TIMEOUT)
    text = page.locator(".api-content").inner_text()
    assert "/api/map/sites" in text and "/api/establishments" in text
    assert page.locator("[data-section-id^='operation/']").count() >= 20
    assert page.locator("script[src='/docs/redoc.js']").count() == 1
    assert page.locator("img[src^='https:']").count() == 0
    screenshot(page, "api-docs-redoc")


def test_plain_reference_renders(demo_server, open_page):
    page = open_page(demo_server + "/docs/plain")
    assert "API" in page.locator("h1").inner_text()
    assert page.locator("#tag-map").count() == 1
    paths = page.locator(".api-op h3 code").all_inner_texts()
    assert "/api/map/sites" in paths and "/api/establishments" in paths
    assert page.locator("a[href='/openapi.json']").count() >= 1
    assert page.locator(".lang-switch a[hreflang='uk']").count() == 1
    screenshot(page, "api-docs-plain")


RESOURCE = re.compile(r"<(?:script|link|img|iframe|source)\b[^>]*\b(?:src|href)=\"([^\"]*)\"")


def test_pages_load_no_outside_asset(demo_server):
    """Every script, stylesheet and image of the pages is the app's own (links may point out)."""
    for path in ("/docs", "/redoc", "/docs/plain", "/", "/map", "/register"):
        html = httpx.get(demo_server + path, follow_redirects=True).text
        assets = RESOURCE.findall(html)
        assert assets, path
        assert all(a.startswith("/") and not a.startswith("//") for a in assets), (path, assets)


def test_api_docs_assets_are_local(demo_server):
    """The pages' files are the installed package's; ReDoc's script has no CDN address left for
    its logo; both pages keep images, fonts and data requests on the app."""
    for path in ("/docs", "/redoc"):
        csp = httpx.get(demo_server + path).headers["content-security-policy"]
        assert "img-src 'self'" in csp and "connect-src 'self'" in csp
    js = httpx.get(demo_server + "/docs/redoc.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    assert "cdn.redoc.ly" not in js.text and "Redoc" in js.text
    for name in ("swagger-ui-bundle.js", "swagger-ui.css", "favicon.png"):
        assert httpx.get(f"{demo_server}/static/vendor/apidocs/{name}").status_code == 200
