"""Countries and land borders (Natural Earth 1:10m, German point of view; see SOURCES.md).

* :func:`load_countries` - ``adm0_a3`` -> (Multi)Polygon, WGS 84 (cached).
* :func:`countries_at` - the country of many points at once (bounding-box filter, then
  prepared-polygon ``contains_xy``; for large batches whole lon/lat cells first, see
  :data:`CELLS_MIN`).
* :func:`near_land_border` - which of many points may lie within a distance of a land border
  (a conservative cell test: the exact distance is needed only for those).
* :func:`nearest_country` - the nearest country polygon of points at sea, from a KD-tree over
  the country outlines with exact segment distances (the answers of
  :func:`nearest_country_exact`, about 150 times faster).
* :func:`nearest_border` - the nearest *foreign land border* of many points: for a point in
  country X, the nearest point of X's land borders (``land_borders_derived.geojson``) and the
  neighbour across it. The candidate comes from a spatial index (KD-tree) over X's border lines
  densified to 500 m (:mod:`hazatlas.geo._segindex`); the distance reported is the geodesic
  distance on WGS 84 (pyproj Geod) to the closest point of that border.
"""

from __future__ import annotations

import functools
import json

import numpy as np
import shapely  # type: ignore[import-untyped]
from scipy.spatial import cKDTree  # type: ignore[import-untyped]

from hazatlas.domain.reference import data_path
from hazatlas.geo import _cells
from hazatlas.geo._geodesy import geodesic_m
from hazatlas.geo._segindex import SORT_QUERIES_MIN, SegmentIndex, spatial_order

#: Border lines are densified to this spacing before indexing; the nearest-border distance is
#: then never more than half of it too long (see :mod:`hazatlas.geo._segindex`).
BORDER_SPACING_M = 500.0

#: Outline segments are cut to at most this length (degrees) for the vertex search.
_OUTLINE_SPACING_DEG = 0.02
#: Nearest outline vertices examined per point by the vertex search.
_OUTLINE_K = 24


@functools.cache
def _country_features() -> tuple[tuple[str, ...], tuple[object, ...], tuple[str, ...]]:
    path = data_path("geo", "boundaries", "ne10m_admin0_countries_region.geojson")
    doc = json.loads(path.read_text(encoding="utf-8"))
    codes, geoms, names = [], [], []
    for feat in doc["features"]:
        geom = shapely.from_geojson(json.dumps(feat["geometry"]))
        shapely.prepare(geom)
        codes.append(str(feat["properties"]["adm0_a3"]))
        geoms.append(geom)
        names.append(str(feat["properties"].get("name_en") or feat["properties"]["name"]))
    return tuple(codes), tuple(geoms), tuple(names)


def load_countries() -> dict[str, shapely.Geometry]:
    """``adm0_a3`` -> (Multi)Polygon in WGS 84 lon/lat (cached; do not mutate)."""
    codes, geoms, _ = _country_features()
    return dict(zip(codes, geoms, strict=True))


def country_names() -> dict[str, str]:
    """``adm0_a3`` -> English name."""
    codes, _, names = _country_features()
    return dict(zip(codes, names, strict=True))


@functools.cache
def _parts() -> tuple[np.ndarray, np.ndarray, shapely.STRtree]:
    """Single polygons of all countries (prepared), their country index and an STRtree."""
    codes, geoms, _ = _country_features()
    parts, owner = [], []
    for k, geom in enumerate(geoms):
        for part in shapely.get_parts(geom):
            parts.append(part)
            owner.append(k)
    arr = np.asarray(parts, dtype=object)
    shapely.prepare(arr)
    return arr, np.array(owner), shapely.STRtree(arr)


def countries_at(
    lon: np.ndarray, lat: np.ndarray, hint: np.ndarray | None = None, *, cells: bool = True
) -> np.ndarray:
    """Country code (``adm0_a3``) of each point, ``""`` where the point is in no country.

    With ``hint`` (e.g. the register's country per point, ``""`` if unknown) each point is first
    tested against its hinted country only; the others get candidate polygons by bounding box
    (STRtree over the single polygons) and one vectorised prepared ``contains_xy``. Batches of
    at least :data:`CELLS_MIN` points are first answered cell by cell (:func:`_by_cells`; the
    same answers, ``cells=False`` skips it).

    >>> countries_at(np.array([23.58, 0.0]), np.array([47.66, 0.0])).tolist()
    ['ROU', '']
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    codes, geoms, _ = _country_features()
    parts, owner, tree = _parts()
    out = np.full(len(lon), "", dtype="<U3")
    if len(lon) == 0:
        return out
    todo = np.arange(len(lon))
    if hint is not None:
        hint = np.asarray(hint).astype("<U3")
        by_code = {c: g for c, g in zip(codes, geoms, strict=True)}
        for code, sel in _groups(hint):
            geom = by_code.get(code)
            if geom is None:
                continue
            inside = shapely.contains_xy(geom, lon[sel], lat[sel])
            out[sel[inside]] = code
        todo = np.flatnonzero(out == "")
        if len(todo) == 0:
            return out
    code_arr = np.asarray(codes, dtype="<U3")
    if cells and len(todo) >= CELLS_MIN:
        todo = _by_cells(lon, lat, todo, out)
    if len(todo) >= SORT_QUERIES_MIN:  # nearby points together: the same polygons in cache
        todo = todo[spatial_order(lon[todo], lat[todo])]
    for rows in _chunks(todo):  # bounded memory: one shapely point per row of the chunk only
        pi, gi = tree.query(shapely.points(lon[rows], lat[rows]))
        pi = rows[pi]
        inside = shapely.contains_xy(parts[gi], lon[pi], lat[pi])
        out[pi[inside]] = code_arr[owner[gi[inside]]]
    return out


#: Batches of at least this many points (without a hint) are answered by cells first.
CELLS_MIN = 20_000


def _by_cells(
    lon: np.ndarray, lat: np.ndarray, todo: np.ndarray, out: np.ndarray
) -> np.ndarray:
    """Answer the points ``todo`` that lie in a *clean* cell (:mod:`hazatlas.geo._cells`: no
    country outline passes near it, :func:`_outline_cells`) by one point of the cell; return
    the points left (in cells an outline passes near), which are tested one by one.

    Why the answers are those of the point-by-point test: no polygon boundary meets a clean
    cell, so each polygon (a closed ring set) contains either every point of the cell or none
    (the cell is connected), and ``contains_xy`` gives every point of it the same answer."""
    fin = _cells.in_range(lon[todo], lat[todo])  # (nan is not)
    rest = todo[~fin]
    todo = todo[fin]
    keys = _cells.cell_key(lon[todo], lat[todo])
    clean = ~_cells.marked(_outline_cells(), keys)
    rows = todo[clean]
    first, inv = _cells.distinct(keys[clean])
    rep = rows[first]
    out[rows] = countries_at(lon[rep], lat[rep], cells=False)[inv]
    return np.concatenate([todo[~clean], rest])


@functools.cache
def _outline_cells() -> np.ndarray:
    """The cells that some country outline may meet: those meeting the square
    of half-side 0.0102 degree around an outline vertex. A segment of the outline (cut to
    ``_OUTLINE_SPACING_DEG``) passing through a cell has an end point within half its length,
    0.01 degree per axis, of the point where it does (0.0002 more: a margin)."""
    return _cells.rectangle_cells(_outline_vertices()[0], _OUTLINE_SPACING_DEG / 2 + 2e-4,
                                  _OUTLINE_SPACING_DEG / 2 + 2e-4)  # fmt: skip


def near_land_border(lon: np.ndarray, lat: np.ndarray, distance_m: float) -> np.ndarray:
    """Per point, False where it is certainly farther than ``distance_m`` (on the sphere or the
    ellipsoid) from every land border line, True where it may be nearer (the exact distance
    is then needed): True in the cells marked by :func:`_border_cells`.

    >>> near_land_border(np.array([23.58, 22.89]), np.array([47.66, 47.95]), 1500.0).tolist()
    [False, True]
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    out = np.ones(len(lon), dtype=bool)
    fin = np.flatnonzero(_cells.in_range(lon, lat))
    out[fin] = _cells.marked(_border_cells(float(distance_m)), _cells.cell_key(lon[fin], lat[fin]))
    return out


#: Border lines are cut to at most this length (degrees) for :func:`_border_cells`.
_BORDER_CELL_SPACING_DEG = 0.01


@functools.cache
def _border_cells(distance_m: float) -> np.ndarray:
    """The cells that may hold a point within ``distance_m`` of a land border.

    Every point Q of a border line is within half of :data:`_BORDER_CELL_SPACING_DEG` (per
    axis) of a vertex V of the line cut to that spacing. A point P within ``distance_m`` of Q
    differs from it in latitude by at most ``distance_m`` / 110 574 m per degree (the least
    length of a degree of latitude) and in longitude by at most ``distance_m`` / (111 319 m x
    cos(max |lat|)) (haversine: the great-circle distance is at least the cosine of the higher
    latitude times the longitude difference); both bounds are doubled here. So P lies in the
    rectangle around V of these half-sides, and its cell is among the cells marked."""
    lines, _, _ = _border_lines()
    geoms = [shapely.segmentize(shapely.linestrings(xy), _BORDER_CELL_SPACING_DEG) for xy in lines]
    xy = shapely.get_coordinates(np.asarray(geoms, dtype=object)) if geoms else np.zeros((0, 2))
    hy = _BORDER_CELL_SPACING_DEG / 2 + 2.0 * distance_m / 110_574.0
    top = np.minimum(np.abs(xy[:, 1]) + hy, 89.9)
    hx = _BORDER_CELL_SPACING_DEG / 2 + 2.0 * distance_m / (111_319.0 * np.cos(np.radians(top)))
    return _cells.rectangle_cells(xy, hx, hy)


#: Large batches are processed in chunks of this many points (bounds the temporary arrays and
#: objects; every point's answer is the same in any chunk).
CHUNK = 65_536


def _chunks(rows: np.ndarray) -> list[np.ndarray]:
    return [rows[k : k + CHUNK] for k in range(0, len(rows), CHUNK)]


def code_keys(codes: np.ndarray) -> np.ndarray:
    """Integer keys of country codes (strings of up to 3 characters) that sort like the codes
    (21 bits per character); sorting integers is much faster than sorting strings.

    >>> code_keys(np.array(["ROU", "", "AT"])).argsort().tolist()
    [1, 2, 0]
    """
    chars = np.ascontiguousarray(np.asarray(codes).astype("<U3")).view(np.uint32)
    chars = chars.reshape(-1, 3).astype(np.int64)
    return (chars[:, 0] << 42) | (chars[:, 1] << 21) | chars[:, 2]


def _groups(codes: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """(code, ascending positions) of each distinct code, in code order (one sort)."""
    keys, inv = np.unique(code_keys(codes), return_inverse=True)
    first = np.zeros(len(keys), dtype=np.int64)
    first[inv[::-1]] = np.arange(len(inv))[::-1]
    uniq = np.asarray(codes)[first] if len(keys) else np.zeros(0, dtype="<U3")
    order = np.argsort(inv, kind="stable")
    bounds = np.searchsorted(inv[order], np.arange(len(uniq) + 1))
    return [(str(c), order[bounds[k] : bounds[k + 1]]) for k, c in enumerate(uniq.tolist())]


def country_at(lon: float, lat: float) -> str | None:
    """Country code of one point, or None outside every country polygon (sea, Caspian).

    >>> country_at(20.46, 44.82)  # Belgrade
    'SRB'
    """
    code = str(countries_at(np.array([lon]), np.array([lat]))[0])
    return code or None


def countries_intersecting(geometry: shapely.Geometry) -> list[str]:
    """Codes of the countries a WGS 84 geometry intersects, sorted."""
    codes, geoms, _ = _country_features()
    tree = _country_tree()
    hits = tree.query(geometry, predicate="intersects")
    return sorted(codes[i] for i in hits)


@functools.cache
def _country_tree() -> shapely.STRtree:
    _, geoms, _ = _country_features()
    return shapely.STRtree(np.asarray(geoms, dtype=object))




@functools.cache
def _outline_vertices() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, cKDTree]:
    """Vertices of every ring of every country, long segments cut to ``_OUTLINE_SPACING_DEG``
    (points added on the segment: the outline does not change): (m, 2) lon/lat, owner country
    index, flags "first of its ring" and "last of its ring", and a planar KD-tree over them."""
    codes, geoms, _ = _country_features()
    xy_parts, owner = [], []
    for k, geom in enumerate(geoms):
        for ring in shapely.get_rings(shapely.get_parts(geom)):
            dense = shapely.get_coordinates(shapely.segmentize(ring, _OUTLINE_SPACING_DEG))
            xy_parts.append(dense)
            owner.append(np.full(len(dense), k, dtype=np.int32))
    xy = np.concatenate(xy_parts)
    first = np.zeros(len(xy), dtype=bool)
    first[np.cumsum([0] + [len(p) for p in xy_parts[:-1]])] = True
    last = np.roll(first, -1)
    return xy, np.concatenate(owner), first, last, cKDTree(xy)


def nearest_country(lon: np.ndarray, lat: np.ndarray, *, outside: bool = False) -> np.ndarray:
    """Code of the nearest country polygon (planar in degrees; for points at sea or on a coast).

    Points inside a polygon get that country (``outside=True``: the caller knows that no point
    is inside one). For a point outside every polygon the distance to a polygon is the
    distance to its outline; the outline vertices (long segments cut to 0.02 degrees) are in a
    KD-tree, and the segments on both sides of the point's 24 nearest vertices contain the
    nearest segment whenever the 24th vertex is farther than ``sqrt(d**2 + 0.02**2 / 4)`` (d:
    the best segment distance found): the one endpoint nearer to the closest point of a
    segment is at most that far. The rare points where that does not hold, or where another
    country's outline is as near (within a relative 1e-9: ties, shared boundaries), are
    answered by :func:`nearest_country_exact`, so the answer is always its answer.

    >>> nearest_country(np.array([50.0, 23.58]), np.array([42.0, 47.66])).tolist()
    ['AZE', 'ROU']
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    out = np.full(len(lon), "", dtype="<U3")
    todo = np.arange(len(lon))
    if not outside and len(lon):
        out[:] = countries_at(lon, lat)
        todo = np.flatnonzero(out == "")
    if len(todo) == 0:
        return out
    codes, _, _ = _country_features()
    code_arr = np.asarray(codes, dtype="<U3")
    if len(todo) >= SORT_QUERIES_MIN:
        todo = todo[spatial_order(lon[todo], lat[todo])]
    for rows in _chunks(todo):
        found, sure = _nearest_outline(lon[rows], lat[rows])
        out[rows[sure]] = code_arr[found[sure]]
        if not sure.all():
            rows = rows[~sure]
            out[rows] = nearest_country_exact(lon[rows], lat[rows])
    return out


def _nearest_outline(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(country index, sure) of the nearest outline segment of each point (see above): first
    with the 8 nearest vertices, then with ``_OUTLINE_K`` for the points that need more."""
    country, sure = _nearest_outline_k(lon, lat, 8)
    again = np.flatnonzero(~sure)
    if len(again):
        country[again], sure[again] = _nearest_outline_k(lon[again], lat[again], _OUTLINE_K)
    return country, sure


def _nearest_outline_k(lon: np.ndarray, lat: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    xy, owner, first, last, tree = _outline_vertices()
    p = np.column_stack([lon, lat])
    k = min(k, len(xy))
    vd, v = tree.query(p, k=k)
    vd = vd.reshape(len(p), k)
    v = v.reshape(len(p), k)
    # the segments after and before every candidate vertex (a degenerate one at ring ends)
    a = np.concatenate([v, np.where(first[v], v, v - 1)], axis=1)
    b = np.concatenate([np.where(last[v], v, v + 1), v], axis=1)
    d = _point_segment(p[:, None, :], xy[a], xy[b])
    best = d.min(axis=1)
    margin = best * 1e-9 + 1e-11
    near = d <= (best + margin)[:, None]
    own = owner[a]
    lo = np.where(near, own, np.iinfo(np.int32).max).min(axis=1)
    hi = np.where(near, own, -1).max(axis=1)
    reach = np.sqrt((best + margin) ** 2 + _OUTLINE_SPACING_DEG**2 / 4.0)
    return lo, (lo == hi) & (vd[:, -1] > reach)


def _point_segment(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Planar distance from points ``p`` to segments ``a``-``b`` (broadcast over rows)."""
    ab = b - a
    ap = p - a
    den = (ab**2).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(den > 0, (ap * ab).sum(axis=-1) / den, 0.0)
    t = np.clip(t, 0.0, 1.0)
    c = a + t[..., None] * ab
    out: np.ndarray = np.sqrt(((p - c) ** 2).sum(axis=-1))
    return out


def nearest_country_exact(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """:func:`nearest_country` the straightforward way: GEOS distance to every country
    (multi)polygon through an STRtree of whole countries (about 1 ms per point at sea)."""
    codes, _, _ = _country_features()
    pts = shapely.points(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    pi, gi = _country_tree().query_nearest(pts)
    out = np.full(len(pts), "", dtype="<U3")
    out[pi] = np.asarray(codes)[gi]
    return out


@functools.cache
def _border_lines() -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Land-border polylines (lon/lat arrays) with the two countries of each."""
    path = data_path("geo", "boundaries", "land_borders_derived.geojson")
    doc = json.loads(path.read_text(encoding="utf-8"))
    lines: list[np.ndarray] = []
    ca: list[str] = []
    cb: list[str] = []
    for feat in doc["features"]:
        geom = shapely.from_geojson(json.dumps(feat["geometry"]))
        for part in shapely.get_parts(geom):
            xy = shapely.get_coordinates(part)
            if len(xy) >= 2:
                lines.append(xy)
                ca.append(feat["properties"]["adm0_a3_a"])
                cb.append(feat["properties"]["adm0_a3_b"])
    return lines, np.array(ca), np.array(cb)


@functools.cache
def _country_border_index(code: str) -> tuple[SegmentIndex, np.ndarray] | None:
    """Spatial index over the land borders of one country, and the neighbour of each line."""
    lines, ca, cb = _border_lines()
    idx = np.flatnonzero((ca == code) | (cb == code))
    if len(idx) == 0:
        return None
    other = np.where(ca[idx] == code, cb[idx], ca[idx])
    return SegmentIndex([lines[i] for i in idx], BORDER_SPACING_M), other


def nearest_border(
    lon: np.ndarray, lat: np.ndarray, country: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest foreign land border of each point: (neighbour ``adm0_a3``, distance in metres).

    ``country`` is each point's own country (computed with :func:`countries_at` when omitted,
    falling back to the nearest country for points outside every polygon). Points whose
    country has no land border get ``""`` and ``nan``. The distance is geodesic on WGS 84.

    >>> nb, d = nearest_border(np.array([23.58]), np.array([47.66]))  # Baia Mare
    >>> str(nb[0]), 10_000 < float(d[0]) < 60_000
    ('UKR', True)
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    n = len(lon)
    if country is None:
        country = countries_at(lon, lat)
        miss = country == ""
        if miss.any():
            country[miss] = nearest_country(lon[miss], lat[miss])
    country = np.asarray(country).astype("<U3")
    neighbour = np.full(n, "", dtype="<U3")
    clon = np.full(n, np.nan)
    clat = np.full(n, np.nan)
    for code, sel in _groups(country):
        info = _country_border_index(code) if code else None
        if info is None:
            continue
        index, other = info
        for rows in _chunks(sel):
            feature, clon[rows], clat[rows] = index.nearest_point(lon[rows], lat[rows])
            neighbour[rows] = other[feature]
    dist = np.full(n, np.nan)
    ok = neighbour != ""
    if ok.all():
        dist = geodesic_m(lon, lat, clon, clat)
    else:
        dist[ok] = geodesic_m(lon[ok], lat[ok], clon[ok], clat[ok])
    return neighbour, dist


def prepare() -> None:
    """Build every country's border index and the country outline index now (otherwise built on first use and cached)."""
    codes, _, _ = _country_features()
    _parts()
    _outline_vertices()
    _outline_cells()
    for code in codes:
        _country_border_index(code)
