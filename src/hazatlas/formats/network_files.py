"""River network files users bring, read into a :class:`~hazatlas.geo.network_build.ReachTable`:
HydroRIVERS (shapefile, GeoPackage, FileGDB or GeoJSON, read with pyogrio) and OpenStreetMap
(``.osm.pbf``/``.osm``, read with pyosmium); and the writers of the synthetic files of the
tests and of ``benchmarks/network_build.py``.

HydroRIVERS columns (HydroRIVERS Technical Documentation v1.0, Lehner 2019; HydroSHEDS):
``HYRIV_ID`` (reach id) and ``NEXT_DOWN`` (the reach below, 0 at an outlet) are required;
``LENGTH_KM`` (reach length) and ``DIS_AV_CMS`` (long-term average discharge, m3/s) are used
when present; the generic names ``reach_id``, ``next_down``, ``length_km``,
``discharge_m3_s`` and ``name`` are accepted as well. Lines must be in WGS 84 (EPSG:4326), as
HydroRIVERS is, drawn downstream.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from hazatlas.domain.errors import HazatlasError, Problem, ValidationError
from hazatlas.geo.network_build import ReachTable

OSM_SUFFIXES = (".osm.pbf", ".pbf", ".osm")
_COLUMNS = {
    "reach_id": ("HYRIV_ID", "reach_id"),
    "next_down": ("NEXT_DOWN", "next_down"),
    "length_km": ("LENGTH_KM", "length_km"),
    "discharge_m3_s": ("DIS_AV_CMS", "discharge_m3_s"),
    "name": ("name", "NAME"),
}


def is_osm(path: Path) -> bool:
    return path.name.lower().endswith(OSM_SUFFIXES)


def _column(fields: Sequence[str], key: str) -> str | None:
    lower = {f.lower(): f for f in fields}
    for alias in _COLUMNS[key]:
        if alias.lower() in lower:
            return lower[alias.lower()]
    return None


def read_hydrorivers(path: Path) -> ReachTable:
    """The reaches of a HydroRIVERS-like line layer (columns in the module doc)."""
    import pyogrio  # type: ignore[import-untyped]
    import shapely  # type: ignore[import-untyped]

    if not path.exists():
        raise HazatlasError(f"network file not found: {path}")
    try:
        info = pyogrio.read_info(path)
    except Exception as exc:  # noqa: BLE001 - the reader's own error, with the file named
        raise HazatlasError(f"{path.name}: not a readable vector file ({exc})") from exc
    fields = [str(f) for f in info["fields"]]
    cols = {k: _column(fields, k) for k in _COLUMNS}
    missing = [f"{_COLUMNS[k][0]} (or {_COLUMNS[k][1]})" for k in ("reach_id", "next_down")
               if cols[k] is None]  # fmt: skip
    if missing:
        raise ValidationError([Problem(path.name, None, m.split()[0],
                                       f"missing column {m}; the file has: {', '.join(fields) or 'none'}")
                               for m in missing])  # fmt: skip
    crs = str(info.get("crs") or "")
    if crs and crs.upper() not in ("EPSG:4326", "OGC:CRS84"):
        raise HazatlasError(f"{path.name}: layer CRS is {crs}; expected WGS 84 (EPSG:4326)")
    wanted = [c for c in cols.values() if c is not None]
    _meta, _fids, geometry, values = pyogrio.raw.read(path, columns=wanted)
    data = dict(zip(wanted, values, strict=True))
    n = len(geometry)
    if n == 0:
        raise ValidationError([Problem(path.name, None, "geometry", "the layer has no features")])
    geoms = shapely.from_wkb(geometry)
    kinds = shapely.get_type_id(geoms)
    bad = np.flatnonzero(~np.isin(kinds, [1, 5]))  # LineString, MultiLineString
    multi = np.flatnonzero(kinds == 5)
    if len(multi):
        geoms[multi] = shapely.line_merge(geoms[multi])
        bad = np.union1d(bad, multi[shapely.get_type_id(geoms[multi]) != 1])
    id_col, down_col = str(cols["reach_id"]), str(cols["next_down"])
    ids = np.asarray(data[id_col])
    if len(bad):
        raise ValidationError([Problem(path.name, None, "geometry",
                                       f"{_COLUMNS['reach_id'][0]} {ids[i]}: expected one LineString")
                               for i in bad[:10]])  # fmt: skip
    coords, which = shapely.get_coordinates(geoms, return_index=True)
    offsets = np.concatenate([[0], np.cumsum(np.bincount(which, minlength=n))]).astype(np.int64)

    def number(key: str, scale: float = 1.0) -> np.ndarray:
        col = cols[key]
        if col is None:
            return np.full(n, np.nan)
        return np.asarray(data[col], dtype=float) * scale

    try:
        reach_id = np.asarray(ids, dtype=np.int64)
        next_down = np.nan_to_num(np.asarray(data[down_col], dtype=np.float64)).astype(np.int64)
    except (TypeError, ValueError) as exc:
        raise HazatlasError(f"{path.name}: {cols['reach_id']} and {cols['next_down']} must be "
                            f"integers ({exc})") from exc  # fmt: skip
    name_col = cols["name"]
    names = (np.array([str(v or "") for v in data[name_col]], dtype=object) if name_col
             else np.full(n, "", dtype=object))  # fmt: skip
    return ReachTable(
        source=path.name,
        reach_id=reach_id,
        next_down=next_down,
        coords=coords,
        offsets=offsets,
        name=names,
        length_m=number("length_km", 1000.0),
        discharge_m3_s=number("discharge_m3_s"),
        element=reach_id,
        element_label=cols["reach_id"] or "HYRIV_ID",
        next_down_label=cols["next_down"] or "NEXT_DOWN",
    )


def read_osm(path: Path) -> ReachTable:
    """The reaches of the waterways of an OpenStreetMap file (rule in :mod:`hazatlas.geo.osm`)."""
    import osmium

    from hazatlas.geo.osm import WATERWAYS, reaches_from_ways

    if not path.exists():
        raise HazatlasError(f"network file not found: {path}")
    way_id: list[int] = []
    kind: list[str] = []
    name: list[str] = []
    refs: list[int] = []
    lonlat: list[tuple[float, float]] = []
    counts: list[int] = []
    try:
        fp = osmium.FileProcessor(str(path)).with_locations().with_filter(
            osmium.filter.TagFilter(*(("waterway", w) for w in WATERWAYS)))
        for obj in fp:
            if not isinstance(obj, osmium.osm.Way):
                continue
            way_id.append(obj.id)
            kind.append(obj.tags.get("waterway") or "")
            name.append(obj.tags.get("name") or "")
            nodes = [(nd.ref, nd.lon, nd.lat) for nd in obj.nodes if nd.location.valid()]
            if len(nodes) != len(obj.nodes):
                raise HazatlasError(f"{path.name}: way {obj.id} uses nodes that are not in the file")
            refs.extend(r for r, _, _ in nodes)
            lonlat.extend((x, y) for _, x, y in nodes)
            counts.append(len(nodes))
    except RuntimeError as exc:
        raise HazatlasError(f"{path.name}: not a readable OpenStreetMap file ({exc})") from exc
    if not way_id:
        raise ValidationError([Problem(path.name, None, "waterway",
                                       "no ways tagged waterway=river, stream or canal")])  # fmt: skip
    return reaches_from_ways(
        path.name,
        np.array(way_id, dtype=np.int64),
        np.array(kind, dtype=object),
        np.array(name, dtype=object),
        np.array(refs, dtype=np.int64),
        np.array(lonlat, dtype=float).reshape(-1, 2),
        np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
    )


def read_network_file(path: Path) -> tuple[str, ReachTable]:
    """``("osm" | "hydrorivers", table)`` of a network file, by its name."""
    if is_osm(path):
        return "osm", read_osm(path)
    return "hydrorivers", read_hydrorivers(path)


def write_hydrorivers(path: Path, columns: dict[str, np.ndarray], table: ReachTable) -> None:
    """A HydroRIVERS-like line layer (GeoPackage, shapefile or GeoJSON by the suffix)."""
    import pyogrio.raw  # type: ignore[import-untyped]
    import shapely  # type: ignore[import-untyped]

    from hazatlas.geo.network_build import lines

    wkb = shapely.to_wkb(lines(table.coords, table.offsets))
    names = list(columns)
    data: list[Any] = [np.asarray(columns[k]) for k in names]
    data = [d.astype(str) if d.dtype == object else d for d in data]
    pyogrio.raw.write(path, geometry=wkb, field_data=data, fields=names,
                      geometry_type="LineString", crs="EPSG:4326")  # fmt: skip


def write_osm(path: Path, table: ReachTable, way_of_reach: np.ndarray) -> None:
    """An ``.osm.pbf`` of the table's reaches: reaches with the same ``way_of_reach`` number
    (consecutive, in flow order) become one way; a reach's last node is the first node of the
    reach it flows into (its ``next_down``), outlets at the same point share one node, every
    other vertex is a node of its own;
    ``waterway=river`` where named, else ``stream``."""
    import osmium

    from hazatlas.geo.network_build import downstream_index

    down, _ = downstream_index(table)
    n, m = len(table), len(table.coords)
    off = table.offsets
    node_id = np.arange(m, dtype=np.int64) + n + 1  # inner and outlet vertices
    node_id[off[:-1]] = np.arange(1, n + 1)  # first vertex of reach r: node r + 1
    last = off[1:] - 1
    node_id[last] = np.where(down >= 0, down + 1, node_id[last])
    # outlets at the same point (two rivers leaving the file together) share their last node
    out = last[down < 0]
    fixed = np.round(table.coords[out] * 1e7).astype(np.int64)
    _, first, inverse = np.unique(fixed, axis=0, return_index=True, return_inverse=True)
    node_id[out] = node_id[out[first[inverse.ravel()]]]
    used = np.unique(node_id)
    where = np.empty(int(used.max()) + 1, dtype=np.int64)
    where[node_id[::-1]] = np.arange(m)[::-1]  # a vertex of each node (its first occurrence)
    if path.exists():
        path.unlink()
    writer = osmium.SimpleWriter(str(path))
    try:
        for k in used.tolist():
            x, y = table.coords[where[k]].tolist()
            writer.add_node(osmium.osm.mutable.Node(id=k, location=(x, y)))
        offs = off.tolist()
        r = 0
        while r < n:
            s = r
            while r + 1 < n and way_of_reach[r + 1] == way_of_reach[s]:
                r += 1
            nodes = [int(node_id[offs[s]])]
            for q in range(s, r + 1):
                nodes.extend(node_id[offs[q] + 1 : offs[q + 1]].tolist())
            nm = str(table.name[s] or "")
            tags = {"waterway": "river" if nm else "stream", **({"name": nm} if nm else {})}
            writer.add_way(osmium.osm.mutable.Way(id=int(way_of_reach[s]), nodes=nodes, tags=tags))
            r += 1
    finally:
        writer.close()
