"""``/api/map``: what the map page draws. Sites clustered on the server by zoom and bounding box
(never the whole register as markers), and the base map layers from the bundled geodata.

Answers are gzip-compressed when the client accepts it. Filters sent empty mean "no filter"
(a browser's form sends every field)."""

from __future__ import annotations

import gzip
import json
from dataclasses import astuple
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from hazatlas.api.deps import get_db, get_principal
from hazatlas.domain.access import Principal
from hazatlas.domain.register_query import BBox
from hazatlas.services import basemap, geodata
from hazatlas.services import map as site_map
from hazatlas.services.store import Database

router = APIRouter(prefix="/api/map", tags=["map"])
GZIP_MIN_BYTES = 1024
Text = Annotated[str | None, Query(max_length=200)]


def _json(request: Request, body: bytes, *, gzipped: bytes | None = None,
          cache: str = "no-cache") -> Response:
    headers = {"Cache-Control": cache, "Vary": "Accept-Encoding"}
    if "gzip" in request.headers.get("accept-encoding", "") and len(body) >= GZIP_MIN_BYTES:
        headers["Content-Encoding"] = "gzip"
        body = gzipped if gzipped is not None else gzip.compress(body, compresslevel=5)
    return Response(body, media_type="application/geo+json", headers=headers)


def _dumps(doc: Any) -> bytes:
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


@router.get("/sites", summary="Sites matching the filters in a bounding box, clustered by zoom",
            response_class=Response,
            responses={200: {"content": {"application/geo+json": {}},
                             "description": "GeoJSON FeatureCollection of clusters (properties "
                             "cluster, count, bbox, kind, seveso_tier, "
                             "convention_hazardous_activity) and single sites (id, name, kind, "
                             "country_iso3, status, seveso_tier, "
                             "convention_hazardous_activity); numberMatched: sites matched"}})
def sites(request: Request, db: Annotated[Database, Depends(get_db)],
          user: Annotated[Principal, Depends(get_principal)],
          zoom: Annotated[int, Query(ge=0, le=site_map.MAX_ZOOM, description="map zoom level")] = 5,
          bbox: Annotated[str | None, Query(max_length=200, description="W,S,E,N (WGS 84)")] = None,
          country: Text = None, basin: Text = None, kind: Text = None, tier: Text = None,
          convention: Text = None, status: Text = None,
          q: Annotated[str | None, Query(max_length=200, description="id or name contains")] = None,
          ) -> Response:
    filt = site_map.MapFilter.from_params({
        "country": country, "basin": basin, "kind": kind, "tier": tier,
        "convention": convention, "status": status, "q": q})
    box = BBox.parse(bbox) if bbox and bbox.strip() else None
    doc = site_map.sites(db, user, filt, bbox=box, zoom=zoom)
    return _json(request, _dumps(doc))


@router.get("/filters", summary="The choices of the map's filter form")
def filters(db: Annotated[Database, Depends(get_db)]) -> dict[str, Any]:
    names = geodata.country_names(db)
    info = site_map.summary(db)
    return {**info,
            "countries": [{"iso3": c, "name": names.get(c, c)} for c in info["countries"]],
            "basins": site_map.basin_names(), "kinds": list(site_map.KINDS),
            "tiers": list(site_map.TIERS), "conventions": list(site_map.CONVENTION),
            "statuses": list(site_map.STATUSES)}


@router.get("/base/{layer}", summary="A base map layer (bundled Natural Earth data) for a zoom",
            response_class=Response,
            responses={200: {"content": {"application/geo+json": {}},
                             "description": "GeoJSON FeatureCollection, simplified for the zoom"}})
def base_layer(request: Request,
               layer: Annotated[str, Path(pattern="^(countries|borders|rivers|lakes)$")],
               zoom: Annotated[int, Query(ge=0, le=site_map.MAX_ZOOM)] = 5,
               bbox: Annotated[str | None, Query(max_length=200, description=(
                   "W,S,E,N: from zoom 6 on, clip to this box widened to 10-degree multiples"))] = None,
               ) -> Response:
    box = basemap.snap_box(astuple(BBox.parse(bbox))) if bbox and bbox.strip() else None
    body, gzipped = basemap.layer_geojson(layer, zoom, box)
    return _json(request, body, gzipped=gzipped, cache="public, max-age=86400")
