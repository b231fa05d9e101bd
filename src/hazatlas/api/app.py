"""The FastAPI application: the HTTP API under ``/api``, OpenAPI at ``/openapi.json`` and ``/docs``, the web pages at ``/``.

Route groups are modules of ``hazatlas.api.routes`` listed in :data:`ROUTERS`.
"""

from __future__ import annotations

import importlib
import importlib.util

from fastapi import FastAPI

from hazatlas import __version__
from hazatlas.api import errors
from hazatlas.api.guards import RequestGuard
from hazatlas.api.throttle import LoginThrottle
from hazatlas.services.settings import Settings
from hazatlas.services.store import Database

ROUTERS = (
    "meta",
    "establishments",
    "classification",
    "screening",
    "scenarios",
    "scenarios_river",
    "scenarios_air",
    "scenarios_tailings",
    "scenarios_tailings_failure",
    "notifications",
    "map",
    "plans",
    "damage",
    "exercises",
    "natech",
    "natech_earthquake",
    "opendata",
    "implementation",
    "dialogue",
    "consultations",
    "public_info",
)


def create_app(settings: Settings, db: Database | None = None) -> FastAPI:
    """Build the app for ``settings``; the database must already be migrated."""
    app = FastAPI(
        title="hazatlas",
        version=__version__,
        summary="Register, identify, screen, model and warn of industrial accidents with "
        "transboundary effects.",
        docs_url=None,  # /docs and /redoc: hazatlas.web.apidocs (offline; no CDN)
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.db = db or Database(settings.database_url)
    app.state.login_throttle = LoginThrottle()
    errors.install(app)
    app.add_middleware(RequestGuard, max_bytes=settings.max_upload_mb * 1024 * 1024)
    for name in ROUTERS:
        modname = f"hazatlas.api.routes.{name}"
        if importlib.util.find_spec(modname) is not None:
            app.include_router(importlib.import_module(modname).router)
    from hazatlas.web import apidocs, assets, pages

    app.include_router(pages.router)
    app.include_router(apidocs.router)
    from hazatlas.web import auth, i18n, notifications, notifications_compose, site, site_edit
    from hazatlas.web.scenarios import page as scenario_pages

    for router in (auth.router, i18n.router, site.router, site_edit.router, scenario_pages.router,
                   notifications_compose.router, notifications.router):
        app.include_router(router)
    from hazatlas.web import consultations, public_info, register_import

    app.include_router(register_import.router)
    from hazatlas.web import site_damage

    app.include_router(site_damage.router)
    app.include_router(public_info.router)
    app.include_router(consultations.router)
    from hazatlas.web import plans as plan_pages
    from hazatlas.web import plans_forms

    app.include_router(plans_forms.router)
    from hazatlas.web import exercises as exercise_pages

    app.include_router(exercise_pages.router)
    app.include_router(plan_pages.router)
    assets.mount(app)
    return app
