"""The API documentation pages, readable without internet: Swagger UI at ``/docs``, ReDoc at
``/redoc`` and a script-free reference at ``/docs/plain``.

FastAPI's own ``/docs`` and ``/redoc`` load Swagger UI and ReDoc from a CDN, so they are blank
offline. Here their files come from the installed package ``fastapi-offline`` (a dependency in
pyproject.toml, pinned in constraints.txt; only its static files are used: Swagger UI 5.32.6,
ReDoc 2.5.3), served by the app under ``/static/vendor/apidocs/`` (:mod:`hazatlas.web.assets`),
and the pages are FastAPI's :func:`~fastapi.openapi.docs.get_swagger_ui_html` and
:func:`~fastapi.openapi.docs.get_redoc_html` pointed at them: no Google fonts, no online
validator, and ReDoc's script served at ``/docs/redoc.js`` with the address of Redocly's logo
made local (:func:`redoc_script`). ``/docs/plain`` renders the same OpenAPI document with the
project's layout and no script at all: every operation with its parameters, request body and
responses, by tag. The machine-readable document stays at ``/openapi.json``.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response

from hazatlas.web import assets, render

router = APIRouter(include_in_schema=False)
METHODS = ("get", "post", "put", "patch", "delete")
ASSETS = "/static/vendor/apidocs"  # fastapi_offline/static, mounted by hazatlas.web.assets
# The browser is told to load images, fonts and data from this app only.
LOCAL_ONLY = "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'"
# ReDoc's side menu always shows Redocly's logo from this address (an <img>, hidden by ReDoc when
# it fails to load): the app serves ReDoc's script with the address replaced by an empty image,
# so the page requests nothing from outside.
REDOCLY_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


def _schema_name(schema: dict[str, Any] | None) -> str:
    """A short name of a schema: its $ref's last part, or its type."""
    if not schema:
        return ""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            return " | ".join(_schema_name(s) for s in schema[key])
    if schema.get("type") == "array":
        return f"array of {_schema_name(schema.get('items'))}"
    return str(schema.get("type", ""))


def _content_types(block: dict[str, Any] | None) -> list[tuple[str, str]]:
    return [(ctype, _schema_name(c.get("schema"))) for ctype, c in ((block or {}).get("content") or {}).items()]


def operations(spec: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The operations of an OpenAPI document, by tag, in path order."""
    by_tag: dict[str, list[dict[str, Any]]] = {}
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            params = [{"name": p["name"], "in": p.get("in", ""), "required": p.get("required", False),
                       "type": _schema_name(p.get("schema")), "description": p.get("description") or
                       (p.get("schema") or {}).get("description", "")}
                      for p in op.get("parameters", [])]
            entry = {"id": op.get("operationId") or f"{method}-{path}", "method": method.upper(),
                     "path": path, "summary": op.get("summary", ""),
                     "description": op.get("description", ""), "parameters": params,
                     "body": _content_types(op.get("requestBody")),
                     "responses": [(code, r.get("description", ""), _content_types(r))
                                   for code, r in op.get("responses", {}).items()]}
            for tag in op.get("tags") or ["other"]:
                by_tag.setdefault(tag, []).append(entry)
    return by_tag


def _urls(request: Request) -> tuple[str, str]:
    """The OpenAPI document's URL and the assets' folder, under the app's root path."""
    root = request.scope.get("root_path", "")
    return f"{root}{request.app.openapi_url}", f"{root}{ASSETS}"


@router.get("/docs", response_class=HTMLResponse)
def swagger_ui(request: Request) -> HTMLResponse:
    openapi_url, files = _urls(request)
    response = get_swagger_ui_html(
        openapi_url=openapi_url, title=f"{request.app.title} API — Swagger UI",
        swagger_js_url=f"{files}/swagger-ui-bundle.js", swagger_css_url=f"{files}/swagger-ui.css",
        swagger_favicon_url=f"{files}/favicon.png",
        swagger_ui_parameters={"validatorUrl": None},  # no call to validator.swagger.io
    )
    response.headers["Content-Security-Policy"] = LOCAL_ONLY
    return response


@router.get("/redoc", response_class=HTMLResponse)
def redoc(request: Request) -> HTMLResponse:
    openapi_url, files = _urls(request)
    response = get_redoc_html(openapi_url=openapi_url, title=f"{request.app.title} API — ReDoc",
                              redoc_js_url=f"{request.scope.get('root_path', '')}/docs/redoc.js",
                              redoc_favicon_url=f"{files}/favicon.png", with_google_fonts=False)
    response.headers["Content-Security-Policy"] = LOCAL_ONLY
    return response


@functools.cache
def redoc_script() -> bytes:
    """ReDoc's standalone script as installed, with Redocly's logo address made local."""
    path = Path(assets.vendor_dir("apidocs")) / "redoc.standalone.js"
    return path.read_bytes().replace(REDOCLY_LOGO.encode(), b"data:,")


@router.get("/docs/redoc.js")
def redoc_js() -> Response:
    return Response(redoc_script(), media_type="text/javascript",
                    headers={"Cache-Control": "public, max-age=3600"})


@router.get("/docs/plain", response_class=HTMLResponse)
def plain(request: Request) -> HTMLResponse:
    """The reference without script, in the pages' layout (language switch, sign-in)."""
    spec = request.app.openapi()
    return render.render(request, "apidocs.html", active="docs", info=spec.get("info", {}),
                         tags=operations(spec),
                         schemas=sorted(spec.get("components", {}).get("schemas", {})))
