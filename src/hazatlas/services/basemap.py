"""The base map of the web pages, drawn from the bundled Natural Earth geodata (no tiles from the
internet): country polygons, land borders, rivers and lakes as GeoJSON, simplified for each zoom
level and cached.

Each layer at zoom ``z`` is simplified (shapely ``simplify``, Douglas-Peucker, topology
preserved) with a tolerance of :data:`TOLERANCE_PX` screen pixels of a 256-pixel Web Mercator
tile pyramid (``360 / (256 * 2**z)`` degrees of longitude per pixel) and its coordinates rounded
to a tenth of that tolerance, so what is sent is never more detailed than the screen shows. At
low zooms the small rivers and lakes are left out by their Natural Earth ``scalerank``
(0 = most important) : a feature is drawn from zoom ``scalerank - SCALERANK_OFFSET`` on.
From zoom :data:`CLIP_ZOOM` on, a layer is clipped (``shapely.clip_by_rect``) to the view widened
to whole :data:`CLIP_STEP`-degree multiples, so a closer view does not receive the whole region.
"""

from __future__ import annotations

import functools
import gzip
import json
import math
from typing import Any

import shapely  # type: ignore[import-untyped]
import shapely.geometry  # type: ignore[import-untyped]

from hazatlas.domain.errors import NotFoundError
from hazatlas.domain.reference import data_path

MIN_ZOOM, MAX_ZOOM = 2, 8  # zooms outside are served the nearest one's layer
TOLERANCE_PX = 0.5
CLIP_ZOOM = 6  # from this zoom on a layer is sent clipped to the view's CLIP_STEP-degree box
CLIP_STEP = 10
SCALERANK_OFFSET = 2
LAYERS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # layer -> (packaged file, properties kept)
    "countries": (("geo", "boundaries", "ne10m_admin0_countries_region.geojson"),
                  ("adm0_a3", "name_en")),
    # the same countries simplified 0.01 degree (SOURCES.md: "for web maps only"), read instead
    # of the full file where the tolerance is at least that (zoom 6 and below)
    "countries-0.01": (("geo", "boundaries", "ne10m_admin0_countries_region_simplified.geojson"),
                       ("adm0_a3", "name_en")),
    "borders": (("geo", "boundaries", "land_borders_derived.geojson"),
                ("adm0_a3_a", "adm0_a3_b")),
    "rivers": (("geo", "rivers", "ne10m_river_network.geojson"), ("name", "system")),
    "lakes": (("geo", "lakes", "ne10m_lakes_region.geojson"), ("name",)),
}


def tolerance(zoom: int) -> float:
    """Simplification tolerance in degrees at ``zoom``.

    >>> round(tolerance(6), 5)
    0.01099
    """
    return TOLERANCE_PX * 360.0 / (256.0 * 2.0 ** zoom)


@functools.cache
def _features(layer: str) -> list[tuple[dict[str, Any], Any, int]]:
    path, keep = LAYERS[layer]
    doc = json.loads(data_path(*path).read_text(encoding="utf-8"))
    out = []
    for f in doc["features"]:
        p = f["properties"]
        props = {k: p.get(k) for k in keep}
        rank = p.get("scalerank")
        out.append((props, shapely.geometry.shape(f["geometry"]),
                    int(rank) if rank is not None else 0))
    return out


@functools.cache
def river_systems() -> list[str]:
    """The river systems (``system`` attribute) of the bundled river network, sorted."""
    return sorted({str(p["system"]) for p, _, _ in _features("rivers") if p.get("system")})


def _rounded(coords: Any, decimals: int) -> Any:
    if isinstance(coords, (list, tuple)) and coords and isinstance(coords[0], (int, float)):
        return [round(float(c), decimals) for c in coords[:2]]
    return [_rounded(c, decimals) for c in coords]


@functools.lru_cache(maxsize=32)
def _simplified(layer: str, zoom: int) -> list[tuple[dict[str, Any], Any]]:
    """The features of ``layer`` drawn at ``zoom``, simplified for it (cached)."""
    tol = tolerance(zoom)
    source = "countries-0.01" if layer == "countries" and tol >= 0.01 else layer
    out = []
    for props, geom, rank in _features(source):
        if layer in ("rivers", "lakes") and rank - SCALERANK_OFFSET > zoom:
            continue
        simple = shapely.simplify(geom, tol, preserve_topology=True)
        if not simple.is_empty:
            out.append((props, simple))
    return out


def snap_box(box: tuple[float, float, float, float]) -> tuple[int, int, int, int]:
    """``box`` widened outwards to whole multiples of :data:`CLIP_STEP` degrees (the cache key
    of a clipped layer: panning inside it fetches nothing new).

    >>> snap_box((21.3, 44.1, 26.9, 47.5))
    (20, 40, 30, 50)
    """
    w, s, e, n = box
    return (max(-180, math.floor(w / CLIP_STEP) * CLIP_STEP),
            max(-90, math.floor(s / CLIP_STEP) * CLIP_STEP),
            min(180, math.ceil(e / CLIP_STEP) * CLIP_STEP),
            min(90, math.ceil(n / CLIP_STEP) * CLIP_STEP))


@functools.lru_cache(maxsize=128)
def layer_geojson(layer: str, zoom: int,
                  box: tuple[int, int, int, int] | None = None) -> tuple[bytes, bytes]:
    """The layer at ``zoom`` as GeoJSON bytes, and the same gzip-compressed (both cached);
    from zoom :data:`CLIP_ZOOM` on clipped to ``box`` (a :func:`snap_box`) when one is given."""
    if layer not in LAYERS or layer == "countries-0.01":
        raise NotFoundError(f"map layer '{layer}' not found (one of {', '.join(LAYERS)})")
    zoom = min(max(zoom, MIN_ZOOM), MAX_ZOOM)
    if zoom < CLIP_ZOOM:
        box = None
    decimals = max(1, math.ceil(-math.log10(tolerance(zoom) / 10)))
    features = []
    for props, geom in _simplified(layer, zoom):
        if box is not None:
            geom = shapely.clip_by_rect(geom, *box)
            if geom.is_empty:
                continue
        g = shapely.geometry.mapping(geom)
        features.append({"type": "Feature", "properties": props,
                         "geometry": {"type": g["type"],
                                      "coordinates": _rounded(g["coordinates"], decimals)}})
    doc = {"type": "FeatureCollection", "zoom": zoom, "features": features}
    if box is not None:
        doc["bbox"] = list(box)
    body = json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return body, gzip.compress(body, compresslevel=6, mtime=0)
