"""Linking points (establishments, gauges) to their receiving reach.

Candidates are found with a KD-tree over the reach lines densified to 1 km
(:mod:`hazatlas.geo._segindex`); the distance that decides and is reported is the geodesic
distance on WGS 84 from the point to the closest point of the reach. ``offset_m`` is the
distance along the reach from its upstream end to that closest point.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from hazatlas.domain.errors import HazatlasError
from hazatlas.geo._geodesy import geodesic_m
from hazatlas.geo._segindex import SORT_QUERIES_MIN, SegmentIndex, spatial_order

if TYPE_CHECKING:
    from hazatlas.geo.network import RiverNetwork


@dataclass(frozen=True)
class Snap:
    """A point linked to a reach."""

    reach_index: int  # index into the network arrays
    offset_m: float  # distance along the reach from its upstream end
    distance_m: float  # distance from the point to the reach line (geodesic)


@dataclass(frozen=True)
class SnapBatch:
    """Vectorised snapping result; ``reach_index`` is -1 where nothing is within reach.

    ``second_index``/``second_distance_m`` describe the nearest reach of *another* river
    (different name or not connected), used to report ambiguous matches.
    """

    reach_index: np.ndarray
    offset_m: np.ndarray
    distance_m: np.ndarray
    second_index: np.ndarray
    second_distance_m: np.ndarray


#: Reach lines are densified to this spacing before indexing (see hazatlas.geo._segindex).
REACH_SPACING_M = 1000.0
#: Nearest indexed river points examined per site (for the nearest and the second river).
CANDIDATES_K = 8


@dataclass(frozen=True)
class SnapIndex:
    """What snapping needs of a network, built once per network (``network.index.snap``):
    the KD-tree over the reach lines densified to ``REACH_SPACING_M``, the factor from chord
    length along a line to the reach's ``length_m``, and an integer key per reach that is equal
    for reaches of the same river (same folded name; unnamed reaches each their own)."""

    segments: SegmentIndex
    scale: np.ndarray  # (n,) length_m / chord length of the densified line (0 if no line)
    river_key: np.ndarray  # (n,) int64

    @classmethod
    def build(cls, network: RiverNetwork) -> SnapIndex:
        from hazatlas.geo.network import fold, readonly

        lines = np.empty(len(network), dtype=object)
        lines[:] = network.geometry
        index = SegmentIndex.from_lines(lines, REACH_SPACING_M)
        chord_len = index.feature_length_m()
        scale = np.where(chord_len > 0, network.length_m / np.where(chord_len > 0, chord_len, 1), 0)
        keys = _river_keys(network.name, fold)
        return cls(index, readonly(scale), readonly(keys))

    def arrays(self) -> dict[str, np.ndarray]:
        """The index as plain arrays (``segments.*``, ``scale``, ``river_key``), for
        :meth:`from_arrays`."""
        out = {f"segments.{k}": v for k, v in self.segments.arrays().items()}
        return {**out, "scale": self.scale, "river_key": self.river_key}

    @classmethod
    def from_arrays(cls, a: dict[str, np.ndarray]) -> SnapIndex:
        """The index of :meth:`arrays` (read back, not rebuilt)."""
        from hazatlas.geo.network import readonly

        seg = {k.split(".", 1)[1]: readonly(v) for k, v in a.items() if k.startswith("segments.")}
        return cls(SegmentIndex.from_arrays(seg), readonly(a["scale"]), readonly(a["river_key"]))


def _river_keys(names: Sequence[str | None], fold: Callable[[str | None], str]) -> np.ndarray:
    """An integer per reach, equal for reaches of the same folded name; each unnamed reach its
    own. Each distinct name is folded once (a large network has few names and many reaches)."""
    folded: dict[str | None, int] = {}
    by_key: dict[str, int] = {}
    out = np.empty(len(names), dtype=np.int64)
    unnamed = len(names)  # keys of unnamed reaches: above every name's
    for i, nm in enumerate(names):
        k = folded.get(nm)
        if k is None:
            key = fold(nm)
            k = folded[nm] = by_key.setdefault(key, len(by_key)) if key else -1
        if k < 0:
            k, unnamed = unnamed, unnamed + 1
        out[i] = k
    return out


def snap_candidates(
    network: RiverNetwork, lon: float, lat: float, max_distance_m: float, k: int = 64
) -> list[tuple[int, float]]:
    """Distinct reaches among the ``k`` nearest river points within ``max_distance_m``, as
    ``(reach_index, distance_m)``, nearest first (spherical distance)."""
    index = network.index.snap.segments
    near = index.query(np.array([lon]), np.array([lat]), k=k, max_distance_m=max_distance_m)
    best: dict[int, float] = {}
    for f, d in zip(near.feature[0], near.distance_m[0], strict=True):
        if f >= 0 and d <= max_distance_m and d < best.get(int(f), np.inf):
            best[int(f)] = float(d)
    return sorted(best.items(), key=lambda kv: kv[1])


def snap_points(
    network: RiverNetwork, lon: np.ndarray, lat: np.ndarray, max_distance_m: float = 20_000.0
) -> SnapBatch:
    """Snap many points at once to their nearest reach within ``max_distance_m``.

    Also returns the nearest reach of *another river* (another name, or another unnamed chain)
    among the examined candidates, so that ambiguous matches can be reported.
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    if len(lon) >= SORT_QUERIES_MIN:
        # work in spatial order (fast tree walks, see SegmentIndex.query); per-point results
        # do not depend on the order, and only the final 1-D arrays are put back
        order = spatial_order(lon, lat)
        # in chunks of consecutive points of that order: the (points x candidates) arrays of
        # a chunk are all that is held at a time (about 4 MB each for 65 536 points)
        out = [np.empty(len(lon), dtype=a.dtype) for a in _arrays(_EMPTY)]
        for k in range(0, len(order), CHUNK):
            rows = order[k : k + CHUNK]
            res = _snap_points(network, lon[rows], lat[rows], max_distance_m)
            for dst, src in zip(out, _arrays(res), strict=True):
                dst[rows] = src
        return SnapBatch(*out)
    return _snap_points(network, lon, lat, max_distance_m)


#: Large batches are snapped in chunks of this many points (bounded memory, same answers).
CHUNK = 65_536
_EMPTY = SnapBatch(
    np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0), np.zeros(0, dtype=np.int64), np.zeros(0)
)


def _arrays(res: SnapBatch) -> tuple[np.ndarray, ...]:
    """The arrays of a :class:`SnapBatch`, in field order."""
    return (res.reach_index, res.offset_m, res.distance_m, res.second_index, res.second_distance_m)


def _snap_points(
    network: RiverNetwork, lon: np.ndarray, lat: np.ndarray, max_distance_m: float
) -> SnapBatch:
    n = len(lon)
    snap = network.index.snap
    index, scale = snap.segments, snap.scale
    refine = 2
    near = index._query(lon, lat, CANDIDATES_K, max_distance_m, refine, details=False)
    feat, dist = near.feature, near.distance_m
    rows = np.arange(n)
    j = np.argmin(dist, axis=1)
    reach = feat[rows, j]
    along, plon, plat = near.along_m[rows, j], near.lon[rows, j], near.lat[rows, j]
    vertex_only = np.flatnonzero((j >= refine) & (reach >= 0))  # rare: an unrefined candidate
    if len(vertex_only) and near.vertex is not None:
        w = near.vertex[vertex_only, j[vertex_only]]
        along[vertex_only], plon[vertex_only], plat[vertex_only] = (
            index.along[w], index.lon[w], index.lat[w],
        )  # fmt: skip
    offset = along * scale[np.maximum(reach, 0)]
    key = np.append(snap.river_key, -1)  # integer river codes; -1 for "no reach"
    other = (key[feat] != key[reach][:, None]) & (feat >= 0)
    d_other = np.where(other, dist, np.inf)
    j2 = np.argmin(d_other, axis=1)
    second = np.where(np.isfinite(d_other[rows, j2]), feat[rows, j2], -1)
    second_d = d_other[rows, j2]
    # the decisive distance is geodesic on the ellipsoid
    exact = np.full(n, np.inf)
    has = reach >= 0
    exact[has] = geodesic_m(lon[has], lat[has], plon[has], plat[has])
    far = exact > max_distance_m
    reach = np.where(far, -1, reach)
    return SnapBatch(
        reach.astype(np.int64),
        np.where(far, np.nan, np.clip(offset, 0.0, network.length_m[np.maximum(reach, 0)])),
        exact,
        second.astype(np.int64),
        second_d,
    )


def snap_point(
    network: RiverNetwork, lon: float, lat: float, max_distance_m: float = 20_000
) -> Snap:
    """Nearest reach of ``network`` to (lon, lat); raises HazatlasError if none within
    ``max_distance_m``.

    >>> from hazatlas.geo.network import RiverNetwork
    >>> net = RiverNetwork.load_default()
    >>> s = snap_point(net, 22.885, 47.79)  # Satu Mare; Natural Earth names the lower Somes so
    >>> net.name[s.reach_index], s.distance_m < 20_000
    ('Somesul Cald', True)
    >>> net.name[snap_point(net, 23.58, 47.66).reach_index]  # Baia Mare: a schematic reach
    'Săsar'

    """
    res = snap_points(network, np.array([lon]), np.array([lat]), max_distance_m)
    if res.reach_index[0] < 0:
        raise HazatlasError(
            f"no river reach within {max_distance_m / 1000:g} km of lon {lon}, lat {lat}"
        )
    return Snap(int(res.reach_index[0]), float(res.offset_m[0]), float(res.distance_m[0]))


def subset_index(network: RiverNetwork, reaches: tuple[int, ...]) -> SegmentIndex:
    """The snapping index of some reaches of ``network`` (feature ``j`` is ``reaches[j]``)."""
    lines = np.empty(len(reaches), dtype=object)
    lines[:] = [network.geometry[r] for r in reaches]
    return SegmentIndex.from_lines(lines, REACH_SPACING_M)


def snap_to_reaches(
    network: RiverNetwork,
    reaches: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
    max_distance_m: float,
) -> SnapBatch:
    """Snap points to the nearest of a given set of reaches (e.g. those of a named river)."""
    reaches = np.asarray(reaches, dtype=np.int64)
    index = network.index.reach_subset(tuple(reaches.tolist()))
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    near = index.query(lon, lat, k=1, max_distance_m=max_distance_m)
    local = near.feature[:, 0]
    found = local >= 0
    reach = np.where(found, reaches[np.maximum(local, 0)], -1)
    chord = index.feature_length_m()
    scale = network.length_m[reaches] / np.where(chord > 0, chord, 1.0)
    offset = np.where(found, near.along_m[:, 0] * scale[np.maximum(local, 0)], np.nan)
    dist = np.full(len(lon), np.inf)
    dist[found] = geodesic_m(lon[found], lat[found], near.lon[found, 0], near.lat[found, 0])
    far = dist > max_distance_m
    reach[far] = -1
    none = np.full(len(lon), -1, dtype=np.int64)
    return SnapBatch(reach, offset, dist, none, np.full(len(lon), np.inf))


def _reach_name_keys(network: RiverNetwork) -> tuple[list[set[str]], list[set[str]]]:
    """Per reach, the folded names a receiving water may give: (1) the canonical main-stem
    name and its names by language (:mod:`hazatlas.geo.river_names`), the source data's name
    standing in as the canonical one where the reach has none (so that the reaches Natural Earth
    itself calls "Syr Darya" are found together with those renamed "Syr Darya"), (2) the source
    data's name and alternative names."""
    from hazatlas.geo.network import fold

    n = len(network)
    alt = network.attributes.get("name_alt") or ("",) * n
    river = network.attributes.get("river") or ("",) * n
    langs: tuple[Any, ...] = network.attributes.get("river_names") or ({},) * n
    canonical: list[set[str]] = []
    source: list[set[str]] = []
    for nm, a, rv, by_lang in zip(network.name, alt, river, langs, strict=True):
        keys = {fold(rv or nm)}
        for value in dict(by_lang).values():
            keys |= {fold(value)} | {fold(s) for s in str(value).split("/")}
        canonical.append(keys - {""})
        names = {fold(nm), fold(a)} | {fold(s) for s in str(a or "").replace("|", ",").split(",")}
        source.append(names - {""})
    return canonical, source


def reaches_for_water(network: RiverNetwork, water: str) -> np.ndarray:
    """Reaches of the river a register's ``receiving_water`` names (case and accents ignored):
    those whose canonical name or a name in a riparian language is ``water``; else those whose
    name or alternative name in the source data is; else those whose name contains it as a
    whole word ("Timok" matches "Beli Timok")."""
    from hazatlas.geo.network import fold

    key = fold(water)
    if not key:
        return np.zeros(0, dtype=np.int64)
    for names in _name_keys_cached(network):
        exact = [i for i, k in enumerate(names) if key in k]
        if exact:
            return np.array(exact, dtype=np.int64)
    return network.reaches_matching(water)


_NAME_KEYS: dict[int, tuple[RiverNetwork, tuple[list[set[str]], list[set[str]]]]] = {}


def _name_keys_cached(network: RiverNetwork) -> tuple[list[set[str]], list[set[str]]]:
    """:func:`_reach_name_keys` once per network (a few recent networks are kept)."""
    hit = _NAME_KEYS.get(id(network))
    if hit is not None and hit[0] is network:
        return hit[1]
    keys = _reach_name_keys(network)
    if len(_NAME_KEYS) >= 4:
        _NAME_KEYS.pop(next(iter(_NAME_KEYS)))
    _NAME_KEYS[id(network)] = (network, keys)
    return keys
