"""The few dialect-specific spatial queries, behind one small interface.

SQLite uses the R*Tree index created by migration 0002 plus shapely for exact tests;
PostGIS uses the generated ``geom`` columns and GiST indexes. Distances are geodesic on the
WGS 84 ellipsoid (pyproj ``Geod``) in both cases, so both stores give the same answers.
"""

from __future__ import annotations

import numpy as np
import shapely  # type: ignore[import-untyped]
from pyproj import Geod
from sqlalchemy import Select, select, text
from sqlalchemy.orm import Session

from hazatlas.domain.errors import NotFoundError, Problem, ValidationError
from hazatlas.domain.register_query import BBox
from hazatlas.storage.tables import CountryRow, EstablishmentRow

_GEOD = Geod(ellps="WGS84")


def ids_in_bbox(session: Session, box: BBox) -> Select:
    """A SELECT of establishment ids whose point lies in ``box`` (edges included)."""
    if session.get_bind().dialect.name == "postgresql":
        return select(EstablishmentRow.id).where(
            text("establishment.geom && ST_MakeEnvelope(:a, :b, :c, :d, 4326)").bindparams(
                a=box.min_lon, b=box.min_lat, c=box.max_lon, d=box.max_lat)
        )
    return select(text("k.establishment_id")).select_from(
        text("establishment_rtree r JOIN establishment_rtree_key k ON k.rid = r.rid")
    ).where(
        text("r.max_lon >= :a AND r.min_lon <= :c AND r.max_lat >= :b AND r.min_lat <= :d")
        .bindparams(a=box.min_lon, b=box.min_lat, c=box.max_lon, d=box.max_lat)
    )


def country_geometry(session: Session, iso3: str) -> shapely.Geometry:
    row = session.get(CountryRow, iso3)
    if row is None:
        raise NotFoundError(f"country '{iso3}' is not loaded (run 'hazatlas db load-geodata')")
    return shapely.from_wkb(row.geometry_wkb)


def ids_within_country(session: Session, iso3: str) -> list[str]:
    """Ids of establishments whose point lies inside the country's polygon."""
    if session.get_bind().dialect.name == "postgresql":
        if session.get(CountryRow, iso3) is None:
            raise NotFoundError(f"country '{iso3}' is not loaded (run 'hazatlas db load-geodata')")
        rows = session.execute(text(
            "SELECT e.id FROM establishment e JOIN country c ON ST_Covers(c.geom, e.geom) "
            "WHERE c.iso3 = :iso3 ORDER BY e.id"), {"iso3": iso3})
        return [r[0] for r in rows]
    geom = country_geometry(session, iso3)
    minx, miny, maxx, maxy = geom.bounds
    cand = session.execute(
        select(EstablishmentRow.id, EstablishmentRow.lon, EstablishmentRow.lat).where(
            EstablishmentRow.id.in_(ids_in_bbox(session, BBox(minx, miny, maxx, maxy)))
        ).order_by(EstablishmentRow.id)
    ).all()
    if not cand:
        return []
    ids = [c[0] for c in cand]
    lon = np.array([c[1] for c in cand])
    lat = np.array([c[2] for c in cand])
    shapely.prepare(geom)
    inside = shapely.covers_xy(geom, lon, lat) if hasattr(shapely, "covers_xy") else \
        shapely.contains_xy(geom, lon, lat)
    return [i for i, ok in zip(ids, inside, strict=True) if ok]


def nearest(session: Session, lon: float, lat: float, k: int = 5) -> list[tuple[str, float]]:
    """The ``k`` establishments nearest to (lon, lat) with geodesic distances in metres.

    Candidates come from the spatial index in growing windows (SQLite) or from the PostGIS
    KNN operator; the final order is by exact geodesic distance.
    """
    if k < 1:
        raise ValidationError([Problem("parameter", None, "k", "must be at least 1")])
    if session.get_bind().dialect.name == "postgresql":
        rows = session.execute(text(
            "SELECT id, lon, lat FROM establishment "
            "ORDER BY geom <-> ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) LIMIT :n"),
            {"lon": lon, "lat": lat, "n": max(4 * k, k + 16)}).all()
        return _rank(rows, lon, lat, k)
    half = 0.05
    total = session.execute(text("SELECT count(*) FROM establishment")).scalar_one()
    while True:
        box = BBox(max(-180, lon - half), max(-90, lat - half), min(180, lon + half), min(90, lat + half))
        rows = session.execute(
            select(EstablishmentRow.id, EstablishmentRow.lon, EstablishmentRow.lat)
            .where(EstablishmentRow.id.in_(ids_in_bbox(session, box)))).all()
        if len(rows) >= min(k, total):
            ranked = _rank(rows, lon, lat, k)
            # Every point within the window's inscribed radius is already a candidate, so the
            # k-th distance must lie inside it for the answer to be exact.
            inner_m = _GEOD.inv(lon, lat, lon, min(90, lat + half))[2]
            inner_m = min(inner_m, _GEOD.inv(lon, lat, min(180, lon + half), lat)[2])
            if not ranked or ranked[-1][1] <= inner_m or half >= 360:
                return ranked
        if half >= 360:
            return _rank(rows, lon, lat, k)
        half *= 4


def _rank(rows, lon: float, lat: float, k: int) -> list[tuple[str, float]]:
    if not rows:
        return []
    lons = np.array([r[1] for r in rows], dtype=float)
    lats = np.array([r[2] for r in rows], dtype=float)
    _, _, dist = _GEOD.inv(np.full_like(lons, lon), np.full_like(lats, lat), lons, lats)
    order = np.lexsort((np.array([r[0] for r in rows]), dist))[:k]
    return [(rows[i][0], float(dist[i])) for i in order]
