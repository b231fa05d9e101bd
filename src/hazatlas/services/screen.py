"""Transboundary screening of establishments or bare points, in bulk.

For every site: the nearest foreign land border (geodesic), the receiving reach (a
``receiving_water`` given as ``reach:ID`` or as a river name wins over proximity; ambiguous or
distant matches are reported), the countries downstream with the river distance and the travel
time under low, mean and high flow, the outlet, the UNECE location-criteria flags and the
indices (Water Risk Index, Tailings Hazard Index, GISTM consequence class) when the indices
package provides them. Everything geographic is vectorised (KD-tree indexes, one topological
sweep of the network; see :mod:`hazatlas.geo.paths`); the default indices are computed in bulk
(``water_risk_indices``, ``tailings_hazard_indices``: the same values as the one-at-a-time
functions); a caller's own indices hook is called once per establishment.
:meth:`ScreeningBatch.results` builds all JSON objects from arrays in one pass (equal to
:meth:`ScreeningBatch.result` per site).
"""

from __future__ import annotations

import itertools
import operator
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, overload

import numpy as np

from hazatlas.domain.errors import HazatlasError, ValidationError
from hazatlas.domain.establishment import Establishment
from hazatlas.domain.gc_pause import gc_paused
from hazatlas.geo import paths
from hazatlas.geo.borders import code_keys, countries_at, nearest_border, nearest_country
from hazatlas.geo.network import FLOWS, RiverNetwork, fold
from hazatlas.geo.snapping import snap_points
from hazatlas.services import screen_indices

#: A site farther than this from every reach has no receiving reach.
MAX_SNAP_DISTANCE_M = 20_000.0
#: A named receiving water is looked for within this distance of the site.
NAMED_SNAP_DISTANCE_M = 50_000.0
#: A match farther than this is reported as distant.
DISTANT_SNAP_M = 10_000.0
#: Another river closer than max(this, 1.5 x the match distance) makes the match ambiguous.
AMBIGUITY_MARGIN_M = 2_000.0

IndicesHook = Callable[[Establishment], dict[str, Any]]


class PointOfInterest(NamedTuple):
    """A water intake or other point to report when it lies on a site's downstream path."""

    name: str
    lon: float
    lat: float


class Site(NamedTuple):
    """A point to screen; ``establishment`` is set when it comes from the register."""

    id: str
    lon: float
    lat: float
    country_iso3: str | None = None
    receiving_water: str | None = None
    establishment: Establishment | None = None


_SITE_FIELDS = ("id", "lon", "lat", "country_iso3", "receiving_water")


class _EstablishmentSites(Sequence[Site]):
    """Register establishments seen as :class:`Site` values (built on access); the screening
    reads each field for all of them at once (:func:`_column`)."""

    def __init__(self, establishments: Sequence[Establishment]) -> None:
        self.establishments = list(establishments)
        # every field the screening needs, read now in one pass over the records (as Site(...)
        # would have: later changes to the records do not leak in)
        fields = operator.attrgetter(*_SITE_FIELDS, "inventory", "kind", "tailings")
        self._columns: list[Sequence[Any]] = (
            list(zip(*map(fields, self.establishments), strict=True))
            if self.establishments
            else [()] * (len(_SITE_FIELDS) + 3)
        )

    def __len__(self) -> int:
        return len(self.establishments)

    @overload
    def __getitem__(self, i: int) -> Site: ...

    @overload
    def __getitem__(self, i: slice) -> list[Site]: ...

    def __getitem__(self, i: int | slice) -> Site | list[Site]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        c = self._columns
        return Site(c[0][i], c[1][i], c[2][i], c[3][i], c[4][i], self.establishments[i])

    def column(self, k: int) -> Sequence[Any]:
        return self.establishments if k == 5 else self._columns[k]

    def index_fields(self) -> tuple[Sequence[Any], Sequence[Any], Sequence[Any]]:
        """``inventory``, ``kind`` and ``tailings`` of every establishment."""
        n = len(_SITE_FIELDS)
        return self._columns[n], self._columns[n + 1], self._columns[n + 2]


def _column(sites: Sequence[Site], k: int) -> Sequence[Any]:
    """Field ``k`` of :class:`Site` for all sites."""
    if isinstance(sites, _EstablishmentSites):
        return sites.column(k)
    return list(map(operator.itemgetter(k), sites))


@dataclass
class ScreeningBatch:
    """Screening of many sites as arrays (``downstream`` in CSR form per unique path key)."""

    sites: Sequence[Site]
    network: RiverNetwork
    country: np.ndarray
    border_country: np.ndarray
    border_distance_m: np.ndarray
    reach_index: np.ndarray
    offset_m: np.ndarray
    snap_distance_m: np.ndarray
    snap_status: np.ndarray
    site_distance_m: np.ndarray  # river distance from the site to the outlet
    site_time_s: np.ndarray  # (3, n): travel time from the site to the outlet, low/mean/high
    key: np.ndarray  # per site, index of its downstream key, -1 without a reach
    key_ptr: np.ndarray
    ev_country: np.ndarray
    ev_border_river: np.ndarray
    ev_at_site: np.ndarray
    ev_distance_m: np.ndarray  # distance from the event to the outlet (nan = at the site)
    ev_time_s: np.ndarray  # (3, n_events) time from the event to the outlet
    key_outlet: list[str]
    flags: list[tuple[str, ...]]
    indices: Sequence[dict[str, Any]]
    warnings: dict[int, list[str]] = field(default_factory=dict)
    timings_s: dict[str, float] = field(default_factory=dict)  # wall time per stage
    pois: list[PointOfInterest] = field(default_factory=list)
    poi_hits: list[list[int]] = field(default_factory=list)  # per site, indices into pois
    poi_distance_m: np.ndarray = field(default_factory=lambda: np.zeros(0))  # to the outlet
    poi_time_s: np.ndarray = field(default_factory=lambda: np.zeros((3, 0)))

    def __len__(self) -> int:
        return len(self.sites)

    def downstream(self, i: int) -> list[dict[str, Any]]:
        """Countries below site ``i``: country, river_km, travel_time_h, border_river."""
        k = int(self.key[i])
        if k < 0:
            return []
        out = []
        for e in range(int(self.key_ptr[k]), int(self.key_ptr[k + 1])):
            out.append(
                {
                    "country": str(self.ev_country[e]),
                    "river_km": self._km(i, e),
                    "travel_time_h": self._hours(i, e),
                    "border_river": bool(self.ev_border_river[e]),
                }
            )
        return out

    def _km(self, i: int, e: int | None) -> float:
        if e is not None and self.ev_at_site[e]:
            return 0.0
        d_evt = 0.0 if e is None else float(self.ev_distance_m[e])
        return round(max(float(self.site_distance_m[i]) - d_evt, 0.0) / 1000.0, 3)

    def _hours(self, i: int, e: int | None) -> dict[str, float]:
        out = {}
        for f, flow in enumerate(FLOWS):
            if e is not None and self.ev_at_site[e]:
                out[flow] = 0.0
                continue
            t_evt = 0.0 if e is None else float(self.ev_time_s[f, e])
            out[flow] = round(max(float(self.site_time_s[f, i]) - t_evt, 0.0) / 3600.0, 3)
        return out

    def result(self, i: int) -> dict[str, Any]:
        """The JSON object of site ``i`` (CLI contract plus extra keys)."""
        site = self.sites[i]
        r = int(self.reach_index[i])
        nb = str(self.border_country[i])
        out: dict[str, Any] = {
            "establishment_id": site.id,
            "lon": site.lon,
            "lat": site.lat,
            "country": str(self.country[i]) or None,
            "nearest_border": {
                "country": nb or None,
                "distance_km": None
                if not nb
                else round(float(self.border_distance_m[i]) / 1000, 3),
            },
            "location_flags": list(self.flags[i]),
            "reach_id": None if r < 0 else int(self.network.reach_id[r]),
            "reach_name": None if r < 0 else (self.network.name[r] or None),
            "snap": {
                "status": str(self.snap_status[i]),
                "distance_km": None
                if not np.isfinite(self.snap_distance_m[i])
                else round(float(self.snap_distance_m[i]) / 1000, 3),
            },
            "downstream": self.downstream(i),
            "outlet": None,
            "wri": self.indices[i].get("wri"),
            "thi": self.indices[i].get("thi"),
            "consequence_class": self.indices[i].get("consequence_class"),
            "warnings": list(self.warnings.get(i, [])),
        }
        if self.pois:
            out["points_of_interest"] = [self._poi(i, j) for j in self.poi_hits[i]]
        if r >= 0:
            out["outlet"] = {
                "name": self.key_outlet[int(self.key[i])],
                "river_km": self._km(i, None),
                "travel_time_h": self._hours(i, None),
            }
        return out

    def _poi(self, i: int, j: int) -> dict[str, Any]:
        d = max(float(self.site_distance_m[i]) - float(self.poi_distance_m[j]), 0.0)
        times = {
            flow: round(max(float(self.site_time_s[f, i] - self.poi_time_s[f, j]), 0.0) / 3600, 3)
            for f, flow in enumerate(FLOWS)
        }
        return {"name": self.pois[j].name, "river_km": round(d / 1000, 3), "travel_time_h": times}

    def results(self) -> list[dict[str, Any]]:
        """The JSON objects of all sites, equal to ``[result(i) for i in ...]``, built in one
        pass from arrays (distances, times and rounding vectorised over all sites)."""
        with gc_paused():
            return _assemble(self)


def _round3(values: np.ndarray) -> list[float]:
    """Python's ``round(x, 3)`` of every value, vectorised.

    ``round`` gives the double nearest to k/1000, k = round-half-even(exact x * 1000);
    ``rint(x * 1000) / 1000`` gives the same double whenever the one rounding of ``x * 1000``
    cannot move it across a half-integer, i.e. unless x * 1000 lies within a few ulp of one
    (or is huge). Those few values are rounded by ``round`` itself.
    """
    x = np.asarray(values, dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):
        scaled = x * 1000.0
        out = (np.rint(scaled) / 1000.0).tolist()
        half = np.abs(scaled - np.floor(scaled) - 0.5)  # exact for |scaled| < 2**52
        risky = (half <= np.abs(scaled) * 2.0**-49) | (np.abs(x) >= 1e12)
    for i in np.flatnonzero(risky).tolist():
        out[i] = round(float(x[i]), 3)
    return out


def _clip0(values: np.ndarray) -> np.ndarray:
    """``max(x, 0.0)`` elementwise with Python's semantics (nan and -0.0 pass through)."""
    return np.where(values < 0.0, 0.0, values)


def _assemble(b: ScreeningBatch) -> list[dict[str, Any]]:
    """All result objects of a batch (see :meth:`ScreeningBatch.result`, which this mirrors)."""
    n = len(b)
    net = b.network
    has = (b.reach_index >= 0).tolist()
    r0 = np.maximum(b.reach_index, 0)
    low, mean, high = FLOWS
    nb_km = _round3(b.border_distance_m / 1000)
    borders = [
        {"country": c or None, "distance_km": d if c else None}
        for c, d in zip(b.border_country.tolist(), nb_km, strict=True)
    ]
    snap_ok = np.isfinite(b.snap_distance_m)
    snap_km = _round3(np.where(snap_ok, b.snap_distance_m, 0.0) / 1000)
    snaps = [
        {"status": s, "distance_km": d if ok else None}
        for s, d, ok in zip(b.snap_status.tolist(), snap_km, snap_ok.tolist(), strict=True)
    ]
    reach_id = [r if h else None for r, h in zip(net.reach_id[r0].tolist(), has, strict=True)]
    reach_name = [net.name[j] or None if h else None for j, h in zip(r0.tolist(), has, strict=True)]
    key0 = np.maximum(b.key, 0).tolist()
    outlets = [
        {"name": b.key_outlet[k], "river_km": d, "travel_time_h": {low: t0, mean: t1, high: t2}}
        if h
        else None
        for k, h, d, t0, t1, t2 in zip(
            key0, has, _round3(_clip0(b.site_distance_m) / 1000.0),
            *(_round3(_clip0(b.site_time_s[f]) / 3600.0) for f in range(len(FLOWS))),
            strict=True,
        )
    ]  # fmt: skip
    downstream = _downstream_lists(b)
    idx = b.indices
    if isinstance(idx, screen_indices.IndexTable):
        wri, thi, cc = idx.wri, idx.thi, idx.consequence_class
    else:
        wri, thi, cc = ([d.get(k) for d in idx] for k in ("wri", "thi", "consequence_class"))
    warnings = b.warnings
    results = [
        {
            "establishment_id": sid,
            "lon": lon,
            "lat": lat,
            "country": ctry or None,
            "nearest_border": border,
            "location_flags": list(flags),
            "reach_id": rid,
            "reach_name": rname,
            "snap": snap,
            "downstream": ds,
            "outlet": outlet,
            "wri": w,
            "thi": t,
            "consequence_class": c,
            "warnings": [],
        }
        for sid, lon, lat, ctry, border, flags, rid, rname, snap, ds, outlet, w, t, c in zip(
            _column(b.sites, 0), _column(b.sites, 1), _column(b.sites, 2), b.country.tolist(),
            borders, b.flags, reach_id, reach_name, snaps, downstream, outlets, wri, thi, cc,
            strict=True,
        )
    ]  # fmt: skip
    for i, msgs in warnings.items():
        if 0 <= i < n:
            results[i]["warnings"] = list(msgs)
    if b.pois:
        for i, out in enumerate(results):
            out["points_of_interest"] = [b._poi(i, j) for j in b.poi_hits[i]]
    return results


def _downstream_lists(b: ScreeningBatch) -> list[list[dict[str, Any]]]:
    """The ``downstream`` list of every site: (site, event) pairs computed as arrays."""
    n = len(b)
    low, mean, high = FLOWS
    size = np.zeros(n, dtype=np.int64)
    keyed = b.key >= 0
    size[keyed] = b.key_ptr[b.key[keyed] + 1] - b.key_ptr[b.key[keyed]]
    ptr = np.concatenate([[0], np.cumsum(size)])
    site = np.repeat(np.arange(n), size)
    ev = b.key_ptr[b.key[site]] + np.arange(len(site)) - ptr[site]
    at = b.ev_at_site[ev]
    km = _round3(np.where(at, 0.0, _clip0(b.site_distance_m[site] - b.ev_distance_m[ev]) / 1000.0))
    hours = [
        _round3(np.where(at, 0.0, _clip0(b.site_time_s[f, site] - b.ev_time_s[f, ev]) / 3600.0))
        for f in range(len(FLOWS))
    ]
    pairs = [
        {"country": c, "river_km": d, "travel_time_h": {low: h0, mean: h1, high: h2},
         "border_river": br}
        for c, d, h0, h1, h2, br in zip(
            b.ev_country[ev].tolist(), km, *hours, b.ev_border_river[ev].tolist(), strict=True
        )
    ]  # fmt: skip
    bounds = ptr.tolist()
    return [pairs[lo:hi] for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)]


def prepare(network: RiverNetwork | None = None) -> RiverNetwork:
    """Build now every index and table the screening uses and that does not depend on the
    sites (country polygons and outlines, every country's border index, the snapping index,
    the river state runs and travel times); otherwise built on first use and cached. For
    servers and benchmarks that want the first request to cost what the others cost."""
    from hazatlas.geo import borders
    from hazatlas.geo.snapping import _index

    net = network or RiverNetwork.load_default()
    borders.prepare()
    _index(net)
    paths.run_of(net, np.zeros(1, dtype=np.int64), np.zeros(1))
    for flow in FLOWS:
        paths.time_to_outlet(net, flow)
    return net


def screen_sites(
    sites: Sequence[Site],
    *,
    network: RiverNetwork | None = None,
    indices: IndicesHook | None = None,
    max_snap_distance_m: float = MAX_SNAP_DISTANCE_M,
    points_of_interest: Sequence[PointOfInterest] = (),
) -> ScreeningBatch:
    """Screen many sites at once (see the module doc).

    ``points_of_interest`` (water intakes, monitoring stations ...) are snapped to the network
    (within ``max_snap_distance_m``) and listed for every site whose downstream path passes
    them, with river distance and travel times.
    """
    with gc_paused():
        return _screen_sites(sites, network, indices, max_snap_distance_m, points_of_interest)


def _screen_sites(
    sites: Sequence[Site],
    network: RiverNetwork | None,
    indices: IndicesHook | None,
    max_snap_distance_m: float,
    points_of_interest: Sequence[PointOfInterest],
) -> ScreeningBatch:
    clock = [time.perf_counter()]
    timings: dict[str, float] = {}

    def lap(stage: str) -> None:
        now = time.perf_counter()
        timings[stage] = now - clock[0]
        clock[0] = now

    net = network or RiverNetwork.load_default()
    if not isinstance(sites, _EstablishmentSites):
        sites = list(sites)
    n = len(sites)

    lon = np.array(_column(sites, 1), dtype=float)
    lat = np.array(_column(sites, 2), dtype=float)
    _check_coordinates(sites, lon, lat)
    warnings: dict[int, list[str]] = {}
    country = _countries(sites, lon, lat, warnings)
    lap("countries")
    b_country, b_dist = nearest_border(lon, lat, country)
    lap("nearest_border")
    snap = snap_points(net, lon, lat, max_snap_distance_m)
    reach, offset = snap.reach_index.copy(), snap.offset_m.copy()
    dist = snap.distance_m.copy()
    status = np.where(reach >= 0, "nearest", "none").astype("<U10")
    amb = (snap.second_index >= 0) & (
        snap.second_distance_m <= np.maximum(dist * 1.5, dist + AMBIGUITY_MARGIN_M)
    )
    status[(reach >= 0) & amb] = "ambiguous"
    status[(reach >= 0) & ~amb & (dist > DISTANT_SNAP_M)] = "distant"
    _apply_receiving_water(net, sites, lon, lat, reach, offset, dist, status, warnings)
    amb_sites = np.flatnonzero(status == "ambiguous")
    for i, j, km in zip(
        amb_sites.tolist(),
        snap.second_index[amb_sites].tolist(),
        (snap.second_distance_m[amb_sites] / 1000).tolist(),
        strict=True,
    ):
        other = net.name[j] or f"reach {net.reach_id[j]}"
        warnings.setdefault(i, []).append(f"ambiguous receiving reach: {other} is {km:.1f} km away")
    no_path = f"no river reach within {max_snap_distance_m / 1000:g} km: no downstream path"
    for i in np.flatnonzero(status == "none").tolist():
        warnings.setdefault(i, []).append(no_path)
    lap("snapping")
    site_d, site_t = _site_measures(net, reach, offset)
    key, key_ptr, ev, outlets = _downstream_keys(net, reach, offset, country)
    transboundary = np.zeros(n, dtype=bool)
    has = key >= 0
    transboundary[has] = (key_ptr[key[has] + 1] - key_ptr[key[has]]) > 0
    lap("downstream")
    ests = list(_column(sites, 5))  # Site.establishment
    fields = sites.index_fields() if isinstance(sites, _EstablishmentSites) else None
    flags = screen_indices.location_flags(
        sites, b_country, b_dist, transboundary, net, reach, establishments=ests,
        inventories=None if fields is None else fields[0],
    )  # fmt: skip
    lap("location_flags")
    idx = _indices(ests, indices, fields)
    lap("indices")
    batch = ScreeningBatch(
        sites, net, country, b_country, b_dist, reach, offset, dist, status, site_d, site_t,
        key, key_ptr, ev["country"], ev["border"], ev["at_site"], ev["distance"], ev["time"],
        outlets, flags, idx, warnings, timings,
    )  # fmt: skip
    if points_of_interest:
        _attach_pois(batch, list(points_of_interest), max_snap_distance_m)
    return batch


def _attach_pois(batch: ScreeningBatch, pois: list[PointOfInterest], max_m: float) -> None:
    net = batch.network
    plon = np.array([p.lon for p in pois], dtype=float)
    plat = np.array([p.lat for p in pois], dtype=float)
    snap = snap_points(net, plon, plat, max_m)
    for j in np.flatnonzero(snap.reach_index < 0):
        for i in range(len(batch)):
            batch.warnings.setdefault(i, []).append(
                f"point of interest {pois[j].name!r} is not within {max_m / 1000:g} km of a river"
            )
    d, t = _site_measures(net, snap.reach_index, snap.offset_m)
    hits = paths.on_path(net, batch.reach_index, batch.offset_m, snap.reach_index, snap.offset_m)
    order = np.argsort(-np.nan_to_num(d, nan=-1.0))  # nearest to the site first
    batch.pois = pois
    batch.poi_distance_m, batch.poi_time_s = d, t
    batch.poi_hits = [[int(j) for j in order if row[j]] for row in hits]


def _indices(
    establishments: list[Establishment | None],
    hook: IndicesHook | None,
    fields: tuple[Sequence[Any], Sequence[Any], Sequence[Any]] | None = None,
) -> Sequence[dict[str, Any]]:
    if hook is None:
        out = screen_indices.default_indices_batch(establishments, fields=fields)
        if out is not None:
            return out
        hook = screen_indices.default_hook()
    empty: dict[str, Any] = {}
    return [hook(e) if e is not None else empty for e in establishments]


def _check_coordinates(sites: Sequence[Site], lon: np.ndarray, lat: np.ndarray) -> None:
    from hazatlas.domain.errors import Problem

    bad = ~(np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90))
    if bad.any():
        raise ValidationError(
            [
                Problem(
                    "sites",
                    None,
                    "lon/lat",
                    f"{sites[i].id}: expected WGS 84 degrees, "
                    f"got lon {sites[i].lon}, lat {sites[i].lat}",
                )
                for i in np.flatnonzero(bad)[:20]
            ]
        )


def _countries(
    sites: Sequence[Site], lon: np.ndarray, lat: np.ndarray, warnings: dict[int, list[str]]
) -> np.ndarray:
    raw = _column(sites, 3)  # Site.country_iso3
    if None in raw:
        raw = [c or "" for c in raw]
    declared = np.array(list(map(str.upper, raw)), dtype="<U3")
    country = countries_at(lon, lat, hint=declared)
    miss = country == ""
    if miss.any():
        country[miss] = declared[miss]
        guess = np.flatnonzero(miss & (declared == ""))  # outside every polygon, no country
        country[guess] = nearest_country(lon[guess], lat[guess], outside=True)
        for i in np.flatnonzero(miss):
            warnings.setdefault(int(i), []).append(
                f"point is outside every country polygon; country taken as {country[i]}"
            )
    differ = (declared != "") & (declared != country) & ~miss
    for i in np.flatnonzero(differ):
        warnings.setdefault(int(i), []).append(
            f"register country {declared[i]} differs from the country at the point ({country[i]})"
        )
    return country


_REACH_REF = re.compile(r"^\s*reach\s*:\s*(-?\d+)\s*$", re.IGNORECASE)


def _apply_receiving_water(
    net: RiverNetwork,
    sites: Sequence[Site],
    lon: np.ndarray,
    lat: np.ndarray,
    reach: np.ndarray,
    offset: np.ndarray,
    dist: np.ndarray,
    status: np.ndarray,
    warnings: dict[int, list[str]],
) -> None:
    """A ``receiving_water`` (``reach:ID`` or a river name) wins over proximity."""
    from hazatlas.geo.snapping import snap_to_reaches

    by_name: dict[str, list[int]] = {}
    given = _column(sites, 4)
    for i in list(itertools.compress(range(len(given)), given)):
        rw = (given[i] or "").strip()
        if not rw:
            continue
        m = _REACH_REF.match(rw)
        if m:
            try:
                r = net.index_of(int(m.group(1)))
            except HazatlasError as exc:
                warnings.setdefault(i, []).append(
                    f"receiving water {rw!r}: {exc}; nearest reach used"
                )
                continue
            one = snap_to_reaches(net, np.array([r]), lon[i : i + 1], lat[i : i + 1], np.inf)
            reach[i], offset[i], dist[i] = r, one.offset_m[0], one.distance_m[0]
            status[i] = "reach_id"
        else:
            by_name.setdefault(fold(rw), []).append(i)
    for key, members in by_name.items():
        cands = net.reaches_matching(key)
        rows = np.array(members)
        if len(cands) == 0:
            for i in members:
                warnings.setdefault(i, []).append(
                    f"receiving water {sites[i].receiving_water!r} is not a river of the network; "
                    "nearest reach used"
                )
            continue
        res = snap_to_reaches(net, cands, lon[rows], lat[rows], NAMED_SNAP_DISTANCE_M)
        for j, i in enumerate(members):
            if res.reach_index[j] < 0:
                warnings.setdefault(i, []).append(
                    f"receiving water {sites[i].receiving_water!r} is not within "
                    f"{NAMED_SNAP_DISTANCE_M / 1000:g} km; nearest reach used"
                )
                continue
            reach[i], offset[i], dist[i] = res.reach_index[j], res.offset_m[j], res.distance_m[j]
            status[i] = "named"


def _site_measures(
    net: RiverNetwork, reach: np.ndarray, offset: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    n = len(reach)
    d = np.full(n, np.nan)
    t = np.full((3, n), np.nan)
    ok = reach >= 0
    r, o = reach[ok], offset[ok]
    d[ok] = net.distance_to_outlet_m[r] - o
    for f, flow in enumerate(FLOWS):
        t_start, v = paths.time_to_outlet(net, flow)
        t[f, ok] = t_start[r] - o / v[r]
    return d, t


def _downstream_keys(
    net: RiverNetwork, reach: np.ndarray, offset: np.ndarray, country: np.ndarray
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray], list[str]]:
    """Group sites by (reach, state run, own country); one event list per group."""
    n = len(reach)
    ok = reach >= 0
    run = paths.run_of(net, np.maximum(reach, 0), np.nan_to_num(offset))
    origins, ocode = np.unique(code_keys(country), return_inverse=True)  # sorted like codes
    code = (np.maximum(reach, 0).astype(np.int64) * 4096 + run) * (len(origins) + 1) + ocode
    code[~ok] = -1
    uniq, inv = np.unique(code[ok], return_inverse=True)
    key = np.full(n, -1, dtype=np.int64)
    key[ok] = inv
    first = np.zeros(len(uniq), dtype=np.int64)
    first[inv[::-1]] = np.flatnonzero(ok)[::-1]
    lists = [
        paths.key_events(net, int(reach[i]), int(run[i]), str(country[i])) for i in first.tolist()
    ]
    sizes = np.array([len(ev[0]) for ev in lists], dtype=np.int64)
    key_ptr = np.concatenate([[0], np.cumsum(sizes)])
    cat = {
        name: (np.concatenate([ev[j] for ev in lists], axis=-1) if lists else empty)
        for j, (name, empty) in enumerate(
            [
                ("country", np.zeros(0, "<U3")),
                ("border", np.zeros(0, bool)),
                ("at_site", np.zeros(0, bool)),
                ("distance", np.zeros(0)),
                ("time", np.zeros((3, 0))),
            ]
        )
    }
    outlets = [paths.outlet_name(net, int(reach[i])) for i in first.tolist()]
    return key, key_ptr, cat, outlets


def screen_register(
    establishments: Sequence[Establishment],
    *,
    network: RiverNetwork | None = None,
    indices: IndicesHook | None = None,
    points_of_interest: Sequence[PointOfInterest] = (),
) -> list[dict[str, Any]]:
    """Screen register establishments; one JSON-ready dict per establishment (CLI contract)."""
    batch = screen_establishments(
        establishments, network=network, indices=indices, points_of_interest=points_of_interest
    )
    return batch.results()


def screen_establishments(
    establishments: Sequence[Establishment],
    *,
    network: RiverNetwork | None = None,
    indices: IndicesHook | None = None,
    points_of_interest: Sequence[PointOfInterest] = (),
) -> ScreeningBatch:
    """Screen register establishments and keep the array form (for bulk use)."""
    with gc_paused():  # reading the fields builds a tuple per establishment
        return screen_sites(
            _EstablishmentSites(establishments),
            network=network,
            indices=indices,
            points_of_interest=points_of_interest,
        )


def screen_point(
    lon: float,
    lat: float,
    *,
    receiving_water: str | None = None,
    network: RiverNetwork | None = None,
    site_id: str = "point",
    points_of_interest: Sequence[PointOfInterest] = (),
) -> dict[str, Any]:
    """Screen one point that is not in the register."""
    site = Site(site_id, float(lon), float(lat), None, receiving_water)
    return screen_sites([site], network=network, points_of_interest=points_of_interest).result(0)
