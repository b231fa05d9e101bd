"""``/docs``: the API reference as a server-rendered page, readable without internet.

FastAPI's own ``/docs`` and ``/redoc`` pages load Swagger UI and ReDoc from a CDN, so they are
blank offline. Neither is installed by the set-up ("Python and make": the packages of
pyproject.toml), so this page is rendered from the app's OpenAPI document with the project's
own layout and stylesheet, no script at all: every operation with its parameters, request body
and responses, grouped by tag. ``/redoc`` redirects here. The machine-readable document stays at
``/openapi.json``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

router = APIRouter(include_in_schema=False)
METHODS = ("get", "post", "put", "patch", "delete")


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


@router.get("/docs", response_class=HTMLResponse)
def docs(request: Request) -> HTMLResponse:
    from hazatlas.web.pages import render

    spec = request.app.openapi()
    return render("apidocs.html", active="docs", info=spec.get("info", {}),
                  tags=operations(spec), schemas=sorted(spec.get("components", {})
                                                        .get("schemas", {})))


@router.get("/redoc")
def redoc() -> RedirectResponse:
    return RedirectResponse("/docs", status_code=307)
