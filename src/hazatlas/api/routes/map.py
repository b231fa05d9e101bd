"""``/api/map``: what the map page draws. Sites clustered on the server by zoom and bounding box
(never the whole register as markers), and the base map layers from the bundled geodata.

Answers are gzip-compressed when the client accepts it. Filters sent empty mean "no filter"
(a browser's form sends every field).

The sites answer is the same for every caller except when coloured by a risk index
(``colour=wri`` or ``thi``): then a site's class is given only to a caller who may read the site
in full. The caller is the API token's user, or without an ``Authorization`` header the user
signed in to the web pages (the map page's own requests), else the public."""

from __future__ import annotations

import gzip
import json
from dataclasses import astuple
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from hazatlas.api.deps import get_db, get_principal
from hazatlas.domain.access import Principal
from hazatlas.domain.register_query import BBox
from hazatlas.services import basemap, geodata, network_map
from hazatlas.services import map as site_map
from hazatlas.services.store import Database
from hazatlas.web.render import page_principal

router = APIRouter(prefix="/api/map", tags=["map"])
GZIP_MIN_BYTES = 1024
Text = Annotated[str | None, Query(max_length=200)]


def _json(request: Request, body: bytes, *, gzipped: bytes | None = None,
          cache: str = "no-cache", extra: dict[str, str] | None = None) -> Response:
    headers = {"Cache-Control": cache, "Vary": "Accept-Encoding", **(extra or {})}
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
                             "convention_hazardous_activity); with colour=wri or thi also "
                             "wri_class and wri (thi_class and thi), 'withheld' unless the "
                             "caller may read the site in full; numberMatched: sites matched"}})
def sites(request: Request, db: Annotated[Database, Depends(get_db)],
          user: Annotated[Principal, Depends(get_principal)],
          zoom: Annotated[int, Query(ge=0, le=site_map.MAX_ZOOM, description="map zoom level")] = 5,
          bbox: Annotated[str | None, Query(max_length=200, description="W,S,E,N (WGS 84)")] = None,
          country: Text = None, basin: Text = None, kind: Text = None, tier: Text = None,
          convention: Text = None, status: Text = None,
          q: Annotated[str | None, Query(max_length=200, description="id or name contains")] = None,
          colour: Annotated[str, Query(max_length=40, description=(
              "what the sites are coloured by: tier, convention, kind (public), wri or thi "
              "(Water Risk Index, Tailings Hazard Index classes: confidential)"))] = "tier",
          ) -> Response:
    filt = site_map.MapFilter.from_params({
        "country": country, "basin": basin, "kind": kind, "tier": tier,
        "convention": convention, "status": status, "q": q})
    box = BBox.parse(bbox) if bbox and bbox.strip() else None
    if "authorization" not in request.headers:
        user = page_principal(request)  # the map page's requests carry the session cookie
    doc = site_map.sites(db, user, filt, bbox=box, zoom=zoom, colour=colour.strip() or "tier")
    headers = {"Vary": "Accept-Encoding, Authorization, Cookie"}
    return _json(request, _dumps(doc), cache="private, no-cache", extra=headers)


@router.get("/filters", summary="The choices of the map's filter form")
def filters(db: Annotated[Database, Depends(get_db)]) -> dict[str, Any]:
    names = geodata.country_names(db)
    info = site_map.summary(db)
    return {**info,
            "countries": [{"iso3": c, "name": names.get(c, c)} for c in info["countries"]],
            "basins": site_map.basin_names(), "kinds": list(site_map.KINDS),
            "tiers": list(site_map.TIERS), "conventions": list(site_map.CONVENTION),
            "statuses": list(site_map.STATUSES), "colours": list(site_map.COLOURS)}


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


@router.get("/networks", summary="The stored river networks the map can show")
def networks(db: Annotated[Database, Depends(get_db)]) -> list[dict[str, Any]]:
    return network_map.choices(db)


@router.get("/networks/{name}", summary="A stored river network's reaches in a view",
            response_class=Response,
            responses={200: {"content": {"application/geo+json": {}},
                             "description": "GeoJSON FeatureCollection of reaches (properties "
                             "reach_id, name, discharge_m3_s), at most "
                             f"{network_map.MAX_REACHES} per answer, the largest mean discharge "
                             "first, simplified for the zoom; numberMatched: reaches in the "
                             "view, numberReturned: reaches sent, truncated: whether some were "
                             "left out"},
                        404: {"description": "no stored network of that name"}})
def network_reaches(request: Request, db: Annotated[Database, Depends(get_db)],
                    name: Annotated[str, Path(max_length=100)],
                    zoom: Annotated[int, Query(ge=0, le=site_map.MAX_ZOOM)] = 5,
                    bbox: Annotated[str | None, Query(max_length=200,
                                                      description="W,S,E,N (WGS 84)")] = None,
                    ) -> Response:
    box = astuple(BBox.parse(bbox)) if bbox and bbox.strip() else None
    doc = network_map.layer(db, name).geojson(zoom, box)
    return _json(request, _dumps(doc), cache="no-cache")
