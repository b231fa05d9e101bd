"""Nearest-segment search on the sphere for many points at once (KD-tree over densified lines).

Lines (borders, river reaches) are densified so that no segment is longer than ``spacing_m``,
and a :class:`scipy.spatial.cKDTree` is built over the vertices as 3-D unit vectors (chord
distance is monotone in great-circle distance). For each query point the ``k`` nearest vertices
are found and the closest point on the segments on both sides of each vertex is computed on the
sphere; the best one wins. The true nearest segment has a vertex within ``d + spacing/2`` of
the point, so with ``k = 1`` the result is never more than ``spacing/2`` too long and is exact
in the usual case where the nearest vertex belongs to the nearest segment. The final distance
is recomputed on the WGS 84 ellipsoid with pyproj's Geod (Karney 2013) to the chosen point.

(An STRtree over the segments in a projected plane was measured first: its nearest query plus
the candidate refinement cost 5-10 times more per point on this machine, see docs/screening.md.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree  # type: ignore[import-untyped]

from hazatlas.geo._geodesy import EARTH_RADIUS_M


def _xyz(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    lo, la = np.radians(lon), np.radians(lat)
    cl = np.cos(la)
    return np.column_stack([cl * np.cos(lo), cl * np.sin(lo), np.sin(la)])


def _lonlat(xyz: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lon = np.degrees(np.arctan2(xyz[:, 1], xyz[:, 0]))
    lat = np.degrees(np.arcsin(np.clip(xyz[:, 2], -1.0, 1.0)))
    return lon, lat


#: Queries of at least this many points are answered in spatial (Morton) order.
SORT_QUERIES_MIN = 2048


def spatial_order(lon: np.ndarray, lat: np.ndarray, bits: int = 16) -> np.ndarray:
    """Permutation that puts points in Morton (Z-curve) order of a lon/lat grid.

    >>> spatial_order(np.array([10.0, -10.0, 10.1]), np.array([50.0, 40.0, 50.0])).tolist()
    [1, 0, 2]
    """
    scale = float((1 << bits) - 1)
    x = np.clip((np.asarray(lon) + 180.0) / 360.0 * scale, 0, scale).astype(np.uint64)
    y = np.clip((np.asarray(lat) + 90.0) / 180.0 * scale, 0, scale).astype(np.uint64)
    return np.argsort(_spread(x) | (_spread(y) << np.uint64(1)), kind="stable")


def _spread(v: np.ndarray) -> np.ndarray:
    """Interleave zeros between the low 32 bits of ``v`` (bit i goes to bit 2i)."""
    for shift, mask in (
        (16, 0x0000FFFF0000FFFF),
        (8, 0x00FF00FF00FF00FF),
        (4, 0x0F0F0F0F0F0F0F0F),
        (2, 0x3333333333333333),
        (1, 0x5555555555555555),
    ):
        v = (v | (v << np.uint64(shift))) & np.uint64(mask)
    return v


@dataclass(frozen=True)
class Nearest:
    """Per query point and per candidate rank: feature, distance and position on the feature."""

    feature: np.ndarray  # (n, k) int64, -1 if none
    distance_m: np.ndarray  # (n, k) spherical distance (m) to the closest point of that feature
    along_m: np.ndarray  # (n, k) distance along the feature from its first vertex (m)
    lon: np.ndarray  # (n, k) closest point
    lat: np.ndarray
    vertex: np.ndarray | None = None  # (n, k) index of the candidate vertex (0 if none)


class SegmentIndex:
    """KD-tree over densified polylines; ``features`` are (m, 2) lon/lat arrays."""

    def __init__(self, features: list[np.ndarray], spacing_m: float = 1000.0) -> None:
        self._build(_densify_all(features, spacing_m), len(features), spacing_m)

    @classmethod
    def from_lines(cls, lines: np.ndarray, spacing_m: float = 1000.0) -> SegmentIndex:
        """The index of an array of shapely LineStrings, their coordinates read all at once
        (``shapely.get_coordinates``): the same index as ``SegmentIndex([np.asarray(g.coords)
        for g in lines])``, without a Python step per line."""
        import shapely  # type: ignore[import-untyped]

        lines = np.asarray(lines, dtype=object)
        xy, which = shapely.get_coordinates(lines, return_index=True)
        counts = np.bincount(which, minlength=len(lines)).astype(np.int64)
        self = cls.__new__(cls)
        self._build(_densify_flat(np.asarray(xy, dtype=float), counts, spacing_m),
                    len(lines), spacing_m)  # fmt: skip
        return self

    def _build(
        self,
        vertices: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
        n_features: int,
        spacing_m: float,
    ) -> None:
        self.lon, self.lat, self.feature, self.is_first = vertices
        self.n_features = n_features
        self.spacing_m = spacing_m
        self.is_last = np.roll(self.is_first, -1) if len(self.is_first) else self.is_first
        self.xyz = _xyz(self.lon, self.lat)
        seg = np.linalg.norm(np.diff(self.xyz, axis=0), axis=1) * EARTH_RADIUS_M
        seg = np.concatenate([[0.0], seg])
        seg[self.is_first] = 0.0
        cum = np.cumsum(seg)
        start = np.maximum.accumulate(np.where(self.is_first, cum, 0.0))
        self.along = cum - start  # chord-length distance from the feature's first vertex
        # unbalanced, uncompacted nodes: 5-6x faster queries for points far from the lines
        self.tree = (
            cKDTree(self.xyz, balanced_tree=False, compact_nodes=False) if len(self.xyz) else None
        )

    def arrays(self) -> dict[str, np.ndarray]:
        """The index as plain arrays (no pickle), for :meth:`from_arrays`: the densified
        vertices, their unit vectors and chord distances along, and the KD-tree's own state
        (:meth:`scipy.spatial.cKDTree.__getstate__`: its node buffer, the permutation of the
        points, the bounding box, and ``(n, m, leafsize)``), so that it is read back, not
        rebuilt. The node layout is scipy's: read back only by the same scipy version (the
        caller stamps it)."""
        if self.tree is None:
            nodes, indices = np.zeros(0, dtype=np.uint8), np.zeros(0, dtype=np.intp)
            bounds, shape = np.zeros((2, 3)), np.array([0, 3, 0, self.n_features])
        else:
            state = self.tree.__getstate__()
            tree_buf, _data, n, m, leafsize, maxes, mins, indices, boxsize, _bd = state
            if boxsize is not None:  # never set here (no periodic box)
                raise ValueError("a periodic KD-tree cannot be stored")
            nodes = np.frombuffer(np.asarray(tree_buf).tobytes(), dtype=np.uint8)
            bounds = np.vstack([maxes, mins])
            shape = np.array([n, m, leafsize, self.n_features], dtype=np.int64)
        return {"lon": self.lon, "lat": self.lat, "feature": self.feature,
                "is_first": self.is_first, "xyz": self.xyz, "along": self.along,
                "tree_nodes": nodes, "tree_indices": np.asarray(indices),
                "tree_bounds": bounds, "tree_shape": shape,
                "spacing_m": np.array([self.spacing_m])}  # fmt: skip

    @classmethod
    def from_arrays(cls, a: dict[str, np.ndarray]) -> SegmentIndex:
        """The index of :meth:`arrays` (the same arrays and KD-tree, nothing recomputed but
        the last-vertex flags)."""
        self = cls.__new__(cls)
        self.lon, self.lat = a["lon"], a["lat"]
        self.feature, self.is_first = a["feature"], a["is_first"]
        n, m, leafsize, n_features = (int(v) for v in a["tree_shape"])
        self.n_features = n_features
        self.spacing_m = float(a["spacing_m"][0])
        self.is_last = np.roll(self.is_first, -1) if len(self.is_first) else self.is_first
        self.xyz, self.along = a["xyz"], a["along"]
        self.tree = None
        if n:
            tree = cKDTree.__new__(cKDTree)
            nodes = a["tree_nodes"].view("S1")
            tree.__setstate__((nodes, self.xyz, n, m, leafsize, a["tree_bounds"][0],
                               a["tree_bounds"][1], a["tree_indices"], None, None))  # fmt: skip
            self.tree = tree
        return self

    def feature_length_m(self) -> np.ndarray:
        out = np.zeros(self.n_features)
        last = np.flatnonzero(self.is_last)
        out[self.feature[last]] = self.along[last]
        return out

    def query(
        self,
        lon: np.ndarray,
        lat: np.ndarray,
        k: int = 1,
        max_distance_m: float = np.inf,
        refine: int | None = None,
    ) -> Nearest:
        """The ``k`` nearest vertices of each point, each refined to its adjacent segments.

        Vertices farther than ``max_distance_m`` (plus one spacing) are not searched; missing
        candidates have feature -1 and distance inf. Only the first ``refine`` candidates (all
        by default) are refined to their segments; the others report the vertex itself.
        """
        lon = np.asarray(lon, dtype=float)
        lat = np.asarray(lat, dtype=float)
        n = len(lon)
        if n < SORT_QUERIES_MIN or self.tree is None:
            return self._query(lon, lat, k, max_distance_m, refine)
        # nearby points one after the other: the tree walk stays in the CPU cache (up to 1.6x
        # faster for random input order); every point gets the same answer as in any order
        order = spatial_order(lon, lat)
        res = self._query(lon[order], lat[order], k, max_distance_m, refine)
        back = np.empty_like(order)
        back[order] = np.arange(n)
        return Nearest(
            res.feature[back], res.distance_m[back], res.along_m[back], res.lon[back], res.lat[back]
        )

    def nearest_point(
        self, lon: np.ndarray, lat: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Feature and closest point (lon, lat) of the nearest segment of each point: the same
        as ``query(lon, lat, k=1)`` without its other outputs, for large batches (borders)."""
        lon = np.asarray(lon, dtype=float)
        lat = np.asarray(lat, dtype=float)
        n = len(lon)
        if self.tree is None or n == 0:
            near = self.query(lon, lat, k=1)
            return near.feature[:, 0], near.lon[:, 0], near.lat[:, 0]
        order = spatial_order(lon, lat) if n >= SORT_QUERIES_MIN else None
        if order is not None:  # see query()
            lon, lat = lon[order], lat[order]
        p = _xyz(lon, lat)
        _, v = self.tree.query(p, k=1)  # no bound: every point finds a vertex
        c, _, _ = self._refine(p, v)
        clon, clat = _lonlat(c)
        feature = self.feature[v]
        if order is None:
            return feature, clon, clat
        out_f, out_lon, out_lat = np.empty_like(feature), np.empty_like(clon), np.empty_like(clat)
        out_f[order], out_lon[order], out_lat[order] = feature, clon, clat
        return out_f, out_lon, out_lat

    def _query(
        self,
        lon: np.ndarray,
        lat: np.ndarray,
        k: int,
        max_distance_m: float,
        refine: int | None,
        details: bool = True,
    ) -> Nearest:
        """:meth:`query` in the given order. ``details=False`` leaves ``along_m``, ``lon`` and
        ``lat`` of the candidates that are not refined at nan and returns ``vertex`` instead
        (the caller looks up the few it needs)."""
        n = len(lon)
        if self.tree is None or n == 0:
            e = np.full((n, k), -1, dtype=np.int64)
            z = np.full((n, k), np.inf)
            return Nearest(e, z, z.copy(), z.copy(), z.copy())
        p = _xyz(lon, lat)
        k_eff = min(k, len(self.xyz))
        bound = np.inf
        if np.isfinite(max_distance_m):
            bound = (max_distance_m + self.spacing_m) / EARTH_RADIUS_M  # chord <= arc
        chord, v = self.tree.query(p, k=k_eff, distance_upper_bound=bound)
        shape = (n, k_eff)
        v = v.reshape(shape)
        chord = np.asarray(chord).reshape(shape)
        found = v < len(self.xyz)
        vs = np.where(found, v, 0)
        feature = np.where(found, self.feature[vs], -1)
        dist = np.full(shape, np.inf)
        along = np.full(shape, np.nan)
        clon = np.full(shape, np.nan)
        clat = np.full(shape, np.nan)
        r = k_eff if refine is None else max(min(refine, k_eff), 0)
        if r < k_eff:  # candidates not refined: the vertex itself
            f, w = found[:, r:], vs[:, r:]
            arc = 2.0 * np.arcsin(np.clip(chord[:, r:] / 2.0, 0.0, 1.0)) * EARTH_RADIUS_M
            dist[:, r:] = np.where(f, arc, np.inf)
            if details:
                along[:, r:] = np.where(f, self.along[w], np.nan)
                clon[:, r:] = np.where(f, self.lon[w], np.nan)
                clat[:, r:] = np.where(f, self.lat[w], np.nan)
        rows, cols = np.nonzero(found[:, :r])
        vv = v[rows, cols]
        best_c, best_d, best_along = self._refine(p[rows], vv)
        dist[rows, cols] = best_d
        along[rows, cols] = best_along
        clon[rows, cols], clat[rows, cols] = _lonlat(best_c)
        return Nearest(feature, dist, along, clon, clat, None if details else vs)

    def _refine(self, p: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        # segment after the vertex (v, v+1) unless last; segment before (v-1, v) unless first
        nxt = np.where(self.is_last[v], v, v + 1)
        prv = np.where(self.is_first[v], v, v - 1)
        c1, t1 = _closest(p, self.xyz[v], self.xyz[nxt])
        c2, t2 = _closest(p, self.xyz[prv], self.xyz[v])
        d1 = np.linalg.norm(p - c1, axis=1)
        d2 = np.linalg.norm(p - c2, axis=1)
        use1 = d1 <= d2
        c = np.where(use1[:, None], c1, c2)
        a1 = self.along[v] + t1 * (self.along[nxt] - self.along[v])
        a2 = self.along[prv] + t2 * (self.along[v] - self.along[prv])
        chord = np.where(use1, d1, d2)
        dist = 2.0 * np.arcsin(np.clip(chord / 2.0, 0.0, 1.0)) * EARTH_RADIUS_M
        return c, dist, np.where(use1, a1, a2)


def _closest(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ab = b - a
    den = np.einsum("ij,ij->i", ab, ab)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(den > 0, np.einsum("ij,ij->i", p - a, ab) / den, 0.0)
    t = np.clip(t, 0.0, 1.0)
    c = a + t[:, None] * ab
    c /= np.linalg.norm(c, axis=1)[:, None]
    return c, t


def _densify(xy: np.ndarray, spacing_m: float) -> np.ndarray:
    xyz = _xyz(xy[:, 0], xy[:, 1])
    seg = np.linalg.norm(np.diff(xyz, axis=0), axis=1) * EARTH_RADIUS_M
    parts = np.maximum(np.ceil(seg / spacing_m).astype(np.int64), 1)
    if (parts == 1).all():
        return xy
    out = [xy[:1]]
    # vectorised interpolation: for each segment, parts[i] points (start excluded, end included)
    rep = np.repeat(np.arange(len(seg)), parts)
    starts = np.repeat(np.cumsum(parts) - parts, parts)
    step = (np.arange(len(rep)) - starts + 1) / parts[rep]
    pts = xy[rep] + (xy[rep + 1] - xy[rep]) * step[:, None]
    out.append(pts)
    return np.concatenate(out)


def _densify_all(
    features: list[np.ndarray], spacing_m: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_densify` of every feature of at least two points at once: the vertices' lon,
    lat, feature number and first-vertex flag (the same values as feature by feature)."""
    arrays = [np.asarray(xy, dtype=float)[:, :2] for xy in features]
    counts = np.array([len(a) for a in arrays], dtype=np.int64)
    if not len(arrays):
        return _densify_flat(np.zeros((0, 2)), counts, spacing_m)
    return _densify_flat(np.concatenate(arrays), counts, spacing_m)


def _densify_flat(
    coords: np.ndarray, counts: np.ndarray, spacing_m: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_densify_all` of the features given as their vertices one after the other
    (``coords``, (m, 2) lon/lat) and the number of vertices of each (``counts``)."""
    keep = counts >= 2
    if not keep.any():
        z = np.zeros(0)
        return z, z.copy(), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
    xy = coords[np.repeat(keep, counts)] if not keep.all() else coords
    fid = np.repeat(np.flatnonzero(keep), counts[keep])
    start = np.concatenate([[0], np.cumsum(counts[keep])[:-1]])
    xyz = _xyz(xy[:, 0], xy[:, 1])
    seg = np.linalg.norm(np.diff(xyz, axis=0), axis=1) * EARTH_RADIUS_M
    inside = fid[1:] == fid[:-1]  # pairs of consecutive vertices of one feature
    seg_i = np.flatnonzero(inside)  # segment i joins vertex i and i + 1
    parts = np.maximum(np.ceil(seg[seg_i] / spacing_m).astype(np.int64), 1)
    # a feature all of whose segments are short keeps its vertices exactly (as _densify)
    split = np.zeros(len(xy), dtype=bool)
    np.logical_or.at(split, fid[seg_i], parts > 1)
    feat_split = split[fid[seg_i]]
    rep = np.repeat(seg_i, parts)
    firsts = np.repeat(np.cumsum(parts) - parts, parts)
    step = (np.arange(len(rep)) - firsts + 1) / np.repeat(parts, parts)
    pts = xy[rep] + (xy[rep + 1] - xy[rep]) * step[:, None]
    exact = ~np.repeat(feat_split, parts)
    pts[exact] = xy[rep[exact] + 1]
    # output: each feature's first vertex, then the points of its segments in order (the
    # points are in feature order already: the first vertex of the k-th kept feature goes
    # before them, k places further on; no sort)
    rank = np.cumsum(keep) - 1  # k of each kept feature
    n_out = len(start) + len(rep)
    pos_pts = np.arange(len(rep)) + rank[fid[rep]] + 1
    first = np.ones(n_out, dtype=bool)
    first[pos_pts] = False
    lonlat = np.empty((n_out, 2))
    lonlat[pos_pts] = pts
    lonlat[first] = xy[start]
    feature = np.empty(n_out, dtype=fid.dtype)
    feature[pos_pts] = fid[rep]
    feature[first] = fid[start]
    return lonlat[:, 0].copy(), lonlat[:, 1].copy(), feature, first
