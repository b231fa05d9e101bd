"""``/docs`` and ``/redoc`` render in Chromium with nothing from outside 127.0.0.1 (FastAPI's
default pages load Swagger UI and ReDoc from a CDN and are blank offline)."""

from __future__ import annotations

import re

import httpx

from .conftest import screenshot


def test_api_docs_render_offline(demo_server, open_page):
    page = open_page(demo_server + "/docs")
    assert "API" in page.locator("h1").inner_text()
    assert page.locator("#tag-map").count() == 1
    paths = page.locator(".api-op h3 code").all_inner_texts()
    assert "/api/map/sites" in paths and "/api/establishments" in paths
    assert page.locator("a[href='/openapi.json']").count() >= 1
    screenshot(page, "api-docs")
    redoc = open_page(demo_server + "/redoc")
    assert redoc.url.endswith("/docs")
    assert redoc.locator(".api-op").count() == page.locator(".api-op").count()


RESOURCE = re.compile(r"<(?:script|link|img|iframe|source)\b[^>]*\b(?:src|href)=\"([^\"]*)\"")


def test_pages_load_no_outside_asset(demo_server):
    """Every script, stylesheet and image of the pages is the app's own (links may point out)."""
    for path in ("/docs", "/redoc", "/", "/map", "/register"):
        html = httpx.get(demo_server + path, follow_redirects=True).text
        assets = RESOURCE.findall(html)
        assert assets, path
        assert all(a.startswith("/") and not a.startswith("//") for a in assets), (path, assets)
