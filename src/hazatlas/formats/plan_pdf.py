"""A printable HTML document (``formats/plan_document.py``) as PDF, printed by headless Chromium
through Playwright (``page.pdf()``, Chromium's own print-to-PDF, A4 with the page's print
styles). The Chromium executable is a setting (``HAZATLAS_CHROMIUM``, default
``/usr/bin/chromium``, Debian's package ``chromium``): Playwright drives it with
``executable_path`` and downloads no browser of its own.

The document is loaded with ``set_content`` and every request the page would make is refused
(the plan document has no external resources; a section's text is escaped HTML, so nothing in
it can fetch anything, and this makes sure of it). Chromium runs with the flags that keep it
off the network (no background services, no component updates).
"""

from __future__ import annotations

import os
import shutil

from hazatlas.domain.errors import HazatlasError

DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync")
#: milliseconds Chromium may take to lay out and print one document
TIMEOUT_MS = 60_000


class PdfUnavailableError(HazatlasError):
    """No Chromium (or no Playwright) to print the PDF with."""


def find_chromium(path: str | None) -> str:
    """The executable to use: ``path`` (a file, or a name looked up on ``PATH``), else
    :data:`DEFAULT_CHROMIUM`; :class:`PdfUnavailableError` naming the setting when missing."""
    wanted = path or DEFAULT_CHROMIUM
    found = wanted if os.path.isfile(wanted) and os.access(wanted, os.X_OK) else shutil.which(wanted)
    if not found:
        raise PdfUnavailableError(
            f"PDF export needs Chromium, but {wanted!r} is not an executable: install it "
            "(Debian: apt-get install chromium) or set HAZATLAS_CHROMIUM to its path")
    return found


def html_to_pdf(html: str, chromium: str | None = None) -> bytes:
    """``html`` printed to PDF (A4, backgrounds printed) by the Chromium of ``chromium``."""
    executable = find_chromium(chromium)
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - playwright is a dependency
        raise PdfUnavailableError(f"PDF export needs the Python package playwright ({exc})") from exc
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=executable, headless=True,
                                        args=list(CHROMIUM_ARGS))
            try:
                page = browser.new_page()
                page.route("**/*", lambda route: route.abort())
                page.set_content(html, wait_until="load", timeout=TIMEOUT_MS)
                return page.pdf(format="A4", print_background=True, prefer_css_page_size=True,
                                margin={"top": "15mm", "bottom": "15mm", "left": "15mm",
                                        "right": "15mm"})
            finally:
                browser.close()
    except PlaywrightError as exc:
        raise PdfUnavailableError(f"Chromium at {executable!r} could not print the PDF: "
                                  f"{str(exc).splitlines()[0]}") from exc
