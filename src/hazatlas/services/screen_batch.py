"""The screening of many sites as arrays, and the one builder of its JSON objects.

:class:`ScreeningBatch` keeps what :mod:`hazatlas.services.screen` computed for every site as
arrays; :func:`build_results` turns any rows of it into the JSON-ready dicts of the CLI and API
contract, in one pass over arrays (distances, times and rounding vectorised).
:meth:`ScreeningBatch.results` (all sites) and :meth:`ScreeningBatch.result` (one site) are
both that builder.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, overload

import numpy as np

from hazatlas.domain.establishment import Establishment
from hazatlas.domain.gc_pause import gc_paused
from hazatlas.geo.network import FLOWS, RiverNetwork
from hazatlas.geo.riparian import riparian_contacts
from hazatlas.services import screen_indices


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


class EstablishmentSites(Sequence[Site]):
    """Register establishments seen as :class:`Site` values (built on access); the screening
    reads each field for all of them at once (:func:`column`)."""

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


def column(sites: Sequence[Site], k: int) -> Sequence[Any]:
    """Field ``k`` of :class:`Site` for all sites."""
    if isinstance(sites, EstablishmentSites):
        return sites.column(k)
    return list(map(operator.itemgetter(k), sites))


@dataclass(frozen=True)
class DownstreamEvents:
    """The countries below the sites, shared by the sites with the same downstream *key*
    (reach, state run, own country): the events of key ``k`` are ``ptr[k]:ptr[k + 1]``."""

    key: np.ndarray  # per site, index of its key; -1 without a reach
    ptr: np.ndarray  # (n_keys + 1,)
    country: np.ndarray  # per event
    border_river: np.ndarray
    at_site: np.ndarray
    distance_m: np.ndarray  # from the event to the outlet (nan = at the site)
    time_s: np.ndarray  # (3, n_events) from the event to the outlet, low/mean/high
    outlet: list[str]  # per key, the water body it drains to
    contact: np.ndarray | None = None  # per event, riparian contact number (-1: none)


@dataclass(frozen=True)
class PoiHits:
    """Points of interest, the ones on each site's downstream path, and where they are."""

    pois: list[PointOfInterest]
    hits: list[list[int]]  # per site, indices into pois, nearest to the site first
    distance_m: np.ndarray  # per point, river distance to the outlet
    time_s: np.ndarray  # (3, n_points) travel time to the outlet


@dataclass(frozen=True)
class FirstLegs:
    """The unmapped first leg of every site (:mod:`hazatlas.geo.water_bodies`): length (m),
    travel time (s, (3, n) low/mean/high), and the sites that send to a sea or lake."""

    length_m: np.ndarray
    time_s: np.ndarray
    water_body: dict[int, str]


@dataclass
class ScreeningBatch:
    """Screening of many sites as arrays (one value per site unless stated)."""

    sites: Sequence[Site]
    network: RiverNetwork
    country: np.ndarray
    border_country: np.ndarray
    border_distance_m: np.ndarray
    reach_index: np.ndarray  # -1 without a receiving reach
    offset_m: np.ndarray
    snap_distance_m: np.ndarray
    snap_status: np.ndarray
    site_distance_m: np.ndarray  # river distance from the site to the outlet
    site_time_s: np.ndarray  # (3, n): travel time from the site to the outlet, low/mean/high
    events: DownstreamEvents
    flags: list[tuple[str, ...]]
    indices: Sequence[dict[str, Any]]
    warnings: dict[int, list[str]] = field(default_factory=dict)
    timings_s: dict[str, float] = field(default_factory=dict)  # wall time per stage
    pois: PoiHits | None = None
    legs: FirstLegs | None = None  # included in site_distance_m and site_time_s

    def __len__(self) -> int:
        return len(self.sites)

    def result(self, i: int) -> dict[str, Any]:
        """The JSON object of site ``i`` (CLI contract plus extra keys)."""
        n = len(self)
        if not -n <= i < n:
            raise IndexError(f"site {i} of a batch of {n}")
        return build_results(self, np.array([i % n]))[0]

    def results(self) -> list[dict[str, Any]]:
        """The JSON objects of all sites (equal to ``[result(i) for i in ...]``)."""
        with gc_paused():
            return build_results(self)


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
        out: list[float] = (np.rint(scaled) / 1000.0).tolist()
        half = np.abs(scaled - np.floor(scaled) - 0.5)  # exact for |scaled| < 2**52
        risky = (half <= np.abs(scaled) * 2.0**-49) | (np.abs(x) >= 1e12)
    for i in np.flatnonzero(risky).tolist():
        out[i] = round(float(x[i]), 3)
    return out


def _clip0(values: np.ndarray) -> np.ndarray:
    """``max(x, 0.0)`` elementwise with Python's semantics (nan and -0.0 pass through)."""
    out: np.ndarray = np.where(values < 0.0, 0.0, values)
    return out


class _Rows:
    """The per-site arrays of a batch restricted to some rows (all when ``rows`` is None)."""

    def __init__(self, b: ScreeningBatch, rows: np.ndarray | None) -> None:
        self.rows = rows
        self.ids: list[int] = list(range(len(b))) if rows is None else rows.tolist()

    def __call__(self, values: np.ndarray) -> np.ndarray:
        return values if self.rows is None else values[..., self.rows]

    def seq(self, values: Sequence[Any]) -> Sequence[Any]:
        return values if self.rows is None else [values[i] for i in self.ids]

    def site_field(self, sites: Sequence[Site], k: int) -> Sequence[Any]:
        """Field ``k`` of :class:`Site` of the rows."""
        return column(sites, k) if self.rows is None else [sites[i][k] for i in self.ids]


def build_results(b: ScreeningBatch, rows: np.ndarray | None = None) -> list[dict[str, Any]]:
    """The JSON objects of the sites ``rows`` of a batch (all sites by default), in order."""
    take = _Rows(b, rows)
    reach = take(b.reach_index)
    has = (reach >= 0).tolist()
    r0 = np.maximum(reach, 0)
    nb_km = _round3(take(b.border_distance_m) / 1000)
    borders = [
        {"country": c or None, "distance_km": d if c else None}
        for c, d in zip(take(b.border_country).tolist(), nb_km, strict=True)
    ]
    snap_m = take(b.snap_distance_m)
    snap_ok = np.isfinite(snap_m)
    snap_km = _round3(np.where(snap_ok, snap_m, 0.0) / 1000)
    snaps = [
        {"status": s, "distance_km": d if ok else None}
        for s, d, ok in zip(take(b.snap_status).tolist(), snap_km, snap_ok.tolist(), strict=True)
    ]
    net = b.network
    reach_id = [r if h else None for r, h in zip(net.reach_id[r0].tolist(), has, strict=True)]
    reach_name = [net.name[j] or None if h else None for j, h in zip(r0.tolist(), has, strict=True)]
    river, river_names = _river_names(net, r0, has, reach_name)
    legs, water = _first_leg_fields(b, take, has)
    wri, thi, cc = _index_columns(b.indices, take)
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
            "river": rv,
            "river_names": rn,
            "snap": snap,
            "first_leg": leg,
            "schematic": sch,
            "downstream": ds,
            "outlet": outlet,
            "wri": w,
            "thi": t,
            "consequence_class": c,
            "warnings": [],
        }
        for sid, lon, lat, ctry, border, flags, rid, rname, rv, rn, snap, leg, sch, ds, outlet, w,
        t, c in zip(
            take.site_field(b.sites, 0), take.site_field(b.sites, 1),
            take.site_field(b.sites, 2), take(b.country).tolist(), borders, take.seq(b.flags),
            reach_id, reach_name, river, river_names, snaps, legs, _schematic(net, r0, has),
            _downstream_lists(b, take), _outlets(b, take, has, water), wri, thi, cc, strict=True,
        )
    ]  # fmt: skip
    _add_warnings_and_pois(b, take, results)
    return results


def _river_names(
    net: RiverNetwork, r0: np.ndarray, has: list[bool], reach_name: list[str | None]
) -> tuple[list[str | None], list[dict[str, str]]]:
    """``river`` (the main-stem name, else the reach name) and ``river_names`` (by language)
    of the rows (:mod:`hazatlas.geo.river_names`)."""
    canonical = net.attributes.get("river")
    names = net.attributes.get("river_names")
    if not canonical or not names:
        return list(reach_name), [{} for _ in has]
    river = [
        canonical[j] or n if h else None
        for j, h, n in zip(r0.tolist(), has, reach_name, strict=True)
    ]
    by_lang = [dict(names[j]) if h else {} for j, h in zip(r0.tolist(), has, strict=True)]
    return river, by_lang


def _index_columns(
    idx: Sequence[dict[str, Any]], take: _Rows
) -> tuple[Sequence[Any], Sequence[Any], Sequence[Any]]:
    """``wri``, ``thi`` and ``consequence_class`` of the rows."""
    if isinstance(idx, screen_indices.IndexTable):
        return take.seq(idx.wri), take.seq(idx.thi), take.seq(idx.consequence_class)
    rows = take.seq(idx)
    wri, thi, cc = ([d.get(k) for d in rows] for k in ("wri", "thi", "consequence_class"))
    return wri, thi, cc


def _outlets(
    b: ScreeningBatch, take: _Rows, has: list[bool], water: list[str | None]
) -> list[dict[str, Any] | None]:
    """The water each row drains to; for a site sending to a sea or lake, that water at the
    end of its first leg."""
    low, mean, high = FLOWS
    key0 = np.maximum(take(b.events.key), 0).tolist()
    site_t = take(b.site_time_s)
    return [
        {"name": b.events.outlet[k] if h else wb, "river_km": d,
         "travel_time_h": {low: t0, mean: t1, high: t2}}
        if h or wb
        else None
        for k, h, wb, d, t0, t1, t2 in zip(
            key0, has, water, _round3(_clip0(np.nan_to_num(take(b.site_distance_m))) / 1000.0),
            *(_round3(_clip0(np.nan_to_num(site_t[f])) / 3600.0) for f in range(len(FLOWS))),
            strict=True,
        )
    ]  # fmt: skip


def _first_leg_fields(
    b: ScreeningBatch, take: _Rows, has: list[bool]
) -> tuple[list[dict[str, Any] | None], list[str | None]]:
    """``first_leg`` of each row (None without a path) and the sea or lake it sends to."""
    if b.legs is None:
        return [None] * len(has), [None] * len(has)
    water = [b.legs.water_body.get(i) for i in take.ids]
    low, mean, high = FLOWS
    length = take(b.legs.length_m)
    seconds = take(b.legs.time_s)
    from hazatlas.geo.water_bodies import first_leg_velocity_m_s

    v = round(first_leg_velocity_m_s(), 3)
    out: list[dict[str, Any] | None] = [
        {"length_km": km, "travel_time_h": {low: h0, mean: h1, high: h2}, "velocity_m_s": v,
         "status": "unmapped" if m > 0 else "on river"}
        if h or wb
        else None
        for h, wb, m, km, h0, h1, h2 in zip(
            has, water, length.tolist(), _round3(length / 1000.0),
            *(_round3(seconds[f] / 3600.0) for f in range(len(FLOWS))), strict=True,
        )
    ]  # fmt: skip
    return out, water


def _schematic(net: RiverNetwork, r0: np.ndarray, has: list[bool]) -> list[list[dict[str, Any]]]:
    """The schematic rivers (with every coordinate's source) on each row's path; empty when
    the path uses none (:mod:`hazatlas.geo.schematic`)."""
    from hazatlas.geo.schematic import is_schematic, path_fields

    flags = is_schematic(net)
    cache: dict[int, list[dict[str, Any]]] = {}
    out: list[list[dict[str, Any]]] = []
    for r, h in zip(r0.tolist(), has, strict=True):
        if not (h and flags[r]):
            out.append([])
            continue
        if r not in cache:
            cache[r] = path_fields(net, r)
        out.append(cache[r])
    return out


def _downstream_lists(b: ScreeningBatch, take: _Rows) -> list[list[dict[str, Any]]]:
    """The ``downstream`` list of every row: (site, event) pairs computed as arrays."""
    ev = b.events
    key = take(ev.key)
    n = len(key)
    low, mean, high = FLOWS
    size = np.zeros(n, dtype=np.int64)
    keyed = key >= 0
    size[keyed] = ev.ptr[key[keyed] + 1] - ev.ptr[key[keyed]]
    ptr = np.concatenate([[0], np.cumsum(size)])
    site = np.repeat(np.arange(n), size)
    e = ev.ptr[key[site]] + np.arange(len(site)) - ptr[site]
    at = ev.at_site[e]
    site_d, site_t = take(b.site_distance_m), take(b.site_time_s)
    leg_m = np.zeros(n) if b.legs is None else take(b.legs.length_m)
    leg_s = np.zeros((len(FLOWS), n)) if b.legs is None else take(b.legs.time_s)
    km = _round3(np.where(at, leg_m[site], _clip0(site_d[site] - ev.distance_m[e])) / 1000.0)
    hours = [
        _round3(np.where(at, leg_s[f, site], _clip0(site_t[f, site] - ev.time_s[f, e])) / 3600.0)
        for f in range(len(FLOWS))
    ]
    pairs = [
        {"country": c, "river_km": d, "travel_time_h": {low: h0, mean: h1, high: h2},
         "border_river": br}
        for c, d, h0, h1, h2, br in zip(
            ev.country[e].tolist(), km, *hours, ev.border_river[e].tolist(), strict=True
        )
    ]  # fmt: skip
    if ev.contact is not None and len(e):
        fields = [c.fields() for c in riparian_contacts()]  # once per call, copied per entry
        ce = ev.contact[e]
        for j, k in zip(np.flatnonzero(ce >= 0).tolist(), ce[ce >= 0].tolist(), strict=True):
            f = fields[k]
            pairs[j].update(f, contact=dict(f["contact"]))
    bounds = ptr.tolist()
    return [pairs[lo:hi] for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)]


def _add_warnings_and_pois(b: ScreeningBatch, take: _Rows, results: list[dict[str, Any]]) -> None:
    """Each row's warnings, and its points of interest when the batch has any."""
    ids = take.ids
    if take.rows is None:  # all sites, in order: only those with warnings
        for i, msgs in b.warnings.items():
            if 0 <= i < len(b):
                results[i]["warnings"] = list(msgs)
    else:
        for out, i in zip(results, ids, strict=True):
            out["warnings"] = list(b.warnings.get(i, []))
    if b.pois is not None and b.pois.pois:
        for out, i in zip(results, ids, strict=True):
            out["points_of_interest"] = [_poi(b, b.pois, i, j) for j in b.pois.hits[i]]


def _poi(b: ScreeningBatch, p: PoiHits, i: int, j: int) -> dict[str, Any]:
    d = max(float(b.site_distance_m[i]) - float(p.distance_m[j]), 0.0)
    times = {
        flow: round(max(float(b.site_time_s[f, i] - p.time_s[f, j]), 0.0) / 3600, 3)
        for f, flow in enumerate(FLOWS)
    }
    return {"name": p.pois[j].name, "river_km": round(d / 1000, 3), "travel_time_h": times}
