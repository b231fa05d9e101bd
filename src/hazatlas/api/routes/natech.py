"""Natech screening of register sites against a layer manifest of the server (docs/natech.md)."""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, Query
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from hazatlas.api.deps import BEARER, get_db, get_principal, get_settings, get_user
from hazatlas.domain.access import ANONYMOUS, Principal
from hazatlas.domain.errors import Problem, ValidationError
from hazatlas.services import natech, natech_climate, natech_curves, natech_pathways, natech_region
from hazatlas.services.settings import Settings
from hazatlas.services.store import Database

router = APIRouter(prefix="/api/natech", tags=["natech"])
#: largest custom curve table the API takes (characters)
MAX_CURVES = 1_000_000

Db = Annotated[Database, Depends(get_db)]
User = Annotated[Principal, Depends(get_principal)]
Config = Annotated[Settings, Depends(get_settings)]


def pathway_options(
    pathways: Annotated[bool, Query(description="pass every event's releases to the river or "
                                    "plume model (needs start; signed-in users)")] = False,
    start: Annotated[datetime | None, Query(description="time of the events, ISO 8601 (with "
                                            "pathways)")] = None,
    flow: Annotated[str, Query(max_length=20, description="low | mean | high, or a discharge in "
                               "m3/s at the entry")] = "high",
    days: Annotated[float, Query(gt=0, le=365)] = 30.0,
    wind_speed: Annotated[float, Query(gt=0, le=100)] = 3.0,
    stability: Annotated[str, Query(pattern="^[A-F]$")] = "D",
    wind_from: Annotated[float, Query(ge=0, le=360)] = 270.0,
) -> natech_pathways.PathwayOptions | None:
    """The pathway options of ``GET`` and ``POST /api/natech/screen``; None without
    ``pathways``, when giving any of them is an error (as ``natech screen`` refuses them)."""
    return _pathways(pathways, start, flow, days, wind_speed, stability, wind_from)


PathwayQuery = Annotated[natech_pathways.PathwayOptions | None, Depends(pathway_options)]


def _pathways(on: bool, start: datetime | None, flow: str, days: float, wind_speed: float,
              stability: str, wind_from: float) -> natech_pathways.PathwayOptions | None:
    if not on:
        given = [name for name, value, default in (
            ("start", start, None), ("flow", flow, "high"), ("days", days, 30.0),
            ("wind_speed", wind_speed, 3.0), ("stability", stability, "D"),
            ("wind_from", wind_from, 270.0)) if value != default]
        if given:
            raise ValidationError([Problem("parameter", None, name, "only with pathways=true")
                                   for name in given])
        return None
    if start is None:
        raise ValidationError([Problem("parameter", None, "start", "pathways needs the time "
                                       "of the events (start, ISO 8601)")])
    q: str | float = flow
    if flow not in ("low", "mean", "high"):
        try:
            q = float(flow)
        except ValueError:
            raise ValidationError([Problem("parameter", None, "flow", f"'{flow}': expected low, "
                                           "mean, high or a discharge in m3/s")]) from None
    return natech_pathways.PathwayOptions(start, q, days, wind_speed, stability, wind_from)


@router.get("/screen", summary="Natech screening: hazard per site, damage and release, ranking, "
            "one event's footprint")
def screen(db: Db, user: User, settings: Config,
           layers: Annotated[str, Query(max_length=100, description="name of a layer manifest "
                                        "in the server's HAZATLAS_HAZARD_LAYERS_DIR")],
           establishment: Annotated[list[str] | None, Query(max_length=100)] = None,
           country: Annotated[str | None, Query(pattern=r"^[A-Z]{3}$")] = None,
           event: Annotated[str | None, Query(max_length=200)] = None,
           climate: Annotated[str | None, Query(max_length=100, description="name of a change "
                                                "factor table (CSV) in the same folder")] = None,
           design_return_period: Annotated[float | None, Query(gt=0, le=1e6)] = None,
           table: Annotated[str, Query(pattern="^(ranking|climate)$", description="what csv "
                                       "and geojson give: the ranking or the climate "
                                       "results side by side")] = "ranking",
           format: Annotated[str, Query(pattern="^(json|csv|geojson)$")] = "json",
           pathways: PathwayQuery = None):
    if pathways is not None and user is ANONYMOUS:
        # every site's river spills and plumes: minutes of work, so for signed-in users only
        raise HTTPException(401, "pathways=true needs an API token (Authorization: Bearer "
                            "TOKEN)", headers=BEARER)
    return _answer(db, user, settings, layers, establishment, country, event, climate,
                   design_return_period, table, format, pathways=pathways)


@router.post("/screen", summary="Natech screening with a custom fragility curve table (the "
             "request body, CSV)")
def screen_with_curves(db: Db, user: Annotated[Principal, Depends(get_user)], settings: Config,
                       curves: Annotated[str, Body(media_type="text/csv", max_length=MAX_CURVES,
                                                   description="custom curve table (CSV, "
                                                   "docs/natech.md, section Custom curves)")],
                       layers: Annotated[str, Query(max_length=100)],
                       establishment: Annotated[list[str] | None, Query(max_length=100)] = None,
                       country: Annotated[str | None, Query(pattern=r"^[A-Z]{3}$")] = None,
                       event: Annotated[str | None, Query(max_length=200)] = None,
                       climate: Annotated[str | None, Query(max_length=100)] = None,
                       design_return_period: Annotated[float | None, Query(gt=0, le=1e6)] = None,
                       default_curve: Annotated[str | None, Query(
                           max_length=100, description="curve of the table for every tank that "
                           "names no tank_model")] = None,
                       table: Annotated[str, Query(pattern="^(ranking|climate)$")] = "ranking",
                       format: Annotated[str, Query(pattern="^(json|csv|geojson)$")] = "json",
                       pathways: PathwayQuery = None):
    parsed = natech_curves.from_text(curves, "curves (request body)", default_curve)
    return _answer(db, user, settings, layers, establishment, country, event, climate,
                   design_return_period, table, format, parsed, default_curve, pathways)


def _answer(db: Database, user: Principal, settings: Settings, layers: str,
            establishment: list[str] | None, country: str | None, event: str | None,
            climate: str | None, design_return_period: float | None, table: str, format: str,
            curves: natech_curves.CurveTable | None = None, default_curve: str | None = None,
            pathways: natech_pathways.PathwayOptions | None = None):
    path = natech_region.manifest_in(settings.hazard_layers_dir, layers)
    factors = (natech_climate.table_in(settings.hazard_layers_dir, climate)
               if climate is not None else None)
    doc: dict[str, Any] = natech.screen(db, user, path, establishment_ids=establishment or (),
                                        country=country, event_layer=event, climate=factors,
                                        design_return_period_years=design_return_period,
                                        pathways=pathways, curves=curves,
                                        default_curve=default_curve)
    if format == "json":
        return doc
    if table == "climate" and "climate" not in doc:
        raise ValidationError([Problem("parameter", None, "table", "no climate results: the "
                                       "manifest has no future layer and no climate table "
                                       "was given")])
    tmp = tempfile.TemporaryDirectory()
    out = Path(tmp.name) / f"hazatlas-natech-{table}.{format}"
    if table == "climate":
        natech_climate.export(doc["climate"]["table"], out, doc["layers"])
    else:
        natech_region.export(doc["ranking"], out, doc["layers"])
    return FileResponse(out, filename=out.name, background=BackgroundTask(tmp.cleanup))
