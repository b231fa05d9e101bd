"""Rendering a page: the templates, the signed-in user and the language of the request.

:func:`page_principal` is the web counterpart of :func:`hazatlas.api.deps.get_principal`: the
same :class:`~hazatlas.domain.access.Principal`, taken from the session cookie instead of a
bearer token, so every page goes through the same services and the same access rules
(:mod:`hazatlas.domain.access`).
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from hazatlas.domain.access import ANONYMOUS, Principal, can_import
from hazatlas.services import geodata
from hazatlas.services.users import principal_for_session
from hazatlas.web import i18n, session

templates = Environment(
    loader=FileSystemLoader(str(resources.files("hazatlas.web").joinpath("templates"))),
    autoescape=select_autoescape(["html"]),
)


def page_principal(request: Request) -> Principal:
    """The signed-in user of the request's session; anonymous (public) otherwise."""
    if not hasattr(request.state, "web_principal"):
        s = session.current(request)
        found = None
        if s is not None and s.username:
            found = principal_for_session(request.app.state.db, s.username, s.password_tag)
        request.state.web_principal = found or ANONYMOUS
    return request.state.web_principal


def context(request: Request, **values: Any) -> dict[str, Any]:
    """What every page's layout needs: ``_`` (gettext), ``lang``, the language switch, the user,
    the CSRF token of its forms."""
    lang = i18n.language_of(request)
    principal = page_principal(request)
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return {
        "_": i18n.gettext_for(lang), "num": i18n.number_formatter(lang), "lang": lang, "here": here,
        "languages": [(c, i18n.language_name(c)) for c in i18n.languages()],
        "principal": principal, "may_import": can_import(principal), "csrf_token": session.ensure(request).csrf,
        "credit": geodata.NE_CREDIT, **values,
    }


def render(request: Request, template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    response = HTMLResponse(templates.get_template(template).render(context(request, **values)),
                            status_code=status_code)
    response.headers["Content-Language"] = i18n.language_of(request)
    response.headers["Cache-Control"] = "no-store"
    session.store(request, response)
    return response
