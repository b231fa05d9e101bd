"""Transboundary screening of establishments or bare points, in bulk.

For every site: the nearest foreign land border (geodesic), the receiving reach (a
``receiving_water`` given as ``reach:ID`` or as a river name wins over proximity; ambiguous or
distant matches are reported), the countries downstream with the river distance and the travel
time under low, mean and high flow, the outlet, the UNECE location-criteria flags and the
indices (Water Risk Index, Tailings Hazard Index, GISTM consequence class) when the indices
package provides them. Everything geographic is vectorised (KD-tree indexes, one topological
sweep of the network; see :mod:`hazatlas.geo.paths`); the default indices are computed in bulk
(``water_risk_indices``, ``tailings_hazard_indices``: the same values as the one-at-a-time
functions); a caller's own indices hook is called once per establishment. The result is a
:class:`~hazatlas.services.screen_batch.ScreeningBatch`, whose one builder gives the JSON
objects of all sites (``results()``) or of one (``result(i)``).
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from hazatlas.domain.errors import HazatlasError, ValidationError
from hazatlas.domain.establishment import Establishment
from hazatlas.geo import paths
from hazatlas.geo.borders import code_keys, countries_at, nearest_border, nearest_country
from hazatlas.geo.network import FLOWS, RiverNetwork, fold
from hazatlas.geo.snapping import reaches_for_water, snap_points
from hazatlas.geo.water_bodies import (
    ON_RIVER_M,
    distance_to_water_body,
    first_leg_velocity_m_s,
    water_body,
)
from hazatlas.services import screen_indices
from hazatlas.services.screen_batch import (
    DownstreamEvents,
    EstablishmentSites,
    FirstLegs,
    PoiHits,
    PointOfInterest,
    ScreeningBatch,
    Site,
    column,
    gc_paused,
)

__all__ = [
    "PointOfInterest",
    "ScreeningBatch",
    "Site",
    "prepare",
    "screen_establishments",
    "screen_point",
    "screen_register",
    "screen_sites",
    "snap_site",
]

#: A site farther than this from every reach has no receiving reach.
MAX_SNAP_DISTANCE_M = 20_000.0
#: A named receiving water is looked for within this distance of the site (the part between
#: the site and the river is an unmapped first leg, see :mod:`hazatlas.geo.water_bodies`).
NAMED_SNAP_DISTANCE_M = 100_000.0
#: A match farther than this is reported as distant.
DISTANT_SNAP_M = 10_000.0
#: Another river closer than max(this, 1.5 x the match distance) makes the match ambiguous.
AMBIGUITY_MARGIN_M = 2_000.0

IndicesHook = Callable[[Establishment], dict[str, Any]]


def prepare(network: RiverNetwork | None = None) -> RiverNetwork:
    """Build now every index and table the screening uses and that does not depend on the
    sites (country polygons and outlines, every country's border index, the snapping index,
    the river state runs, riparian contacts, transitions to the outlets, the reaches that share
    their first arrivals and travel times of ``network.index``); otherwise each is built on
    first use. For servers and benchmarks that want the first request to cost what the others
    cost."""
    from hazatlas.geo import borders

    net = network or RiverNetwork.load_default()
    borders.prepare()
    index = net.index
    index.snap, index.runs, index.travel  # noqa: B018 - built now (cached properties)
    index.contacts, index.tails, index.same_events_as  # noqa: B018 - likewise
    return net


def snap_site(
    network: RiverNetwork, site: Site, max_snap_distance_m: float = MAX_SNAP_DISTANCE_M
) -> tuple[int, float, float, str | None]:
    """The receiving reach of one site as screening finds it (its ``receiving_water`` wins
    over proximity): reach index (-1 if none), offset along it (m), distance from the site (m,
    the first leg where it exceeds ``ON_RIVER_M``) and the sea or lake it sends to, if any.
    The spill model snaps its source with it (``hazatlas.services.spill``)."""
    lon, lat = np.array([site.lon], dtype=float), np.array([site.lat], dtype=float)
    _check_coordinates([site], lon, lat)
    warnings: dict[int, list[str]] = {}
    country = _countries([site], lon, lat, warnings)
    snap = snap_points(network, lon, lat, max_snap_distance_m)
    reach, offset, dist = snap.reach_index.copy(), snap.offset_m.copy(), snap.distance_m.copy()
    status = np.where(reach >= 0, "nearest", "none").astype("<U10")
    water = _apply_receiving_water(
        network, [site], lon, lat, country, reach, offset, dist, status, warnings
    )
    return int(reach[0]), float(offset[0]), float(dist[0]), water.get(0)


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
    if not isinstance(sites, EstablishmentSites):
        sites = list(sites)
    n = len(sites)

    lon = np.array(column(sites, 1), dtype=float)
    lat = np.array(column(sites, 2), dtype=float)
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
    water = _apply_receiving_water(
        net, sites, lon, lat, country, reach, offset, dist, status, warnings
    )
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
    leg_m, leg_s = _first_legs(reach, dist, water)
    to_water = np.zeros(n, dtype=bool)
    to_water[list(water)] = True  # a sea or lake: the first leg is the whole path
    site_d = np.where(to_water, 0.0, site_d) + leg_m
    site_t = np.where(to_water, 0.0, site_t) + leg_s
    events = _downstream_events(net, reach, offset, country)
    key, key_ptr = events.key, events.ptr
    transboundary = np.zeros(n, dtype=bool)
    has = key >= 0
    transboundary[has] = (key_ptr[key[has] + 1] - key_ptr[key[has]]) > 0
    lap("downstream")
    ests = list(column(sites, 5))  # Site.establishment
    fields = sites.index_fields() if isinstance(sites, EstablishmentSites) else None
    flags = screen_indices.location_flags(
        sites, b_country, b_dist, transboundary, net, reach, establishments=ests,
        inventories=None if fields is None else fields[0],
    )  # fmt: skip
    lap("location_flags")
    idx = _indices(ests, indices, fields)
    lap("indices")
    hits = None
    if points_of_interest:
        pois = list(points_of_interest)
        hits = _pois(net, pois, max_snap_distance_m, reach, offset, warnings)
    return ScreeningBatch(
        sites, net, country, b_country, b_dist, reach, offset, dist, status, site_d, site_t,
        events, flags, idx, warnings, timings, hits, FirstLegs(leg_m, leg_s, water),
    )  # fmt: skip


def _pois(
    net: RiverNetwork,
    pois: list[PointOfInterest],
    max_m: float,
    reach: np.ndarray,
    offset: np.ndarray,
    warnings: dict[int, list[str]],
) -> PoiHits:
    """The points of interest on each site's downstream path (a point off the network is a
    warning for every site)."""
    plon = np.array([p.lon for p in pois], dtype=float)
    plat = np.array([p.lat for p in pois], dtype=float)
    snap = snap_points(net, plon, plat, max_m)
    for j in np.flatnonzero(snap.reach_index < 0):
        for i in range(len(reach)):
            warnings.setdefault(i, []).append(
                f"point of interest {pois[j].name!r} is not within {max_m / 1000:g} km of a river"
            )
    d, t = _site_measures(net, snap.reach_index, snap.offset_m)
    hits = paths.on_path(net, reach, offset, snap.reach_index, snap.offset_m)
    order = np.argsort(-np.nan_to_num(d, nan=-1.0))  # nearest to the site first
    return PoiHits(pois, [[int(j) for j in order if row[j]] for row in hits], d, t)


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
    raw = column(sites, 3)  # Site.country_iso3
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
    country: np.ndarray,
    reach: np.ndarray,
    offset: np.ndarray,
    dist: np.ndarray,
    status: np.ndarray,
    warnings: dict[int, list[str]],
) -> dict[int, str]:
    """A ``receiving_water`` (``reach:ID``, a river name, or a sea or lake) wins over
    proximity. Returns the sites whose receiving water is a sea or lake, with its name."""
    from hazatlas.geo.snapping import snap_to_reaches

    by_name: dict[str, list[int]] = {}
    given = column(sites, 4)
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
    water: dict[int, str] = {}
    for members in by_name.values():
        cands = reaches_for_water(net, sites[members[0]].receiving_water or "")
        if len(cands) == 0:
            _water_bodies(sites, members, lon, lat, country, reach, dist, status, warnings, water)
            continue
        rows = np.array(members)
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
    return water


def _water_bodies(
    sites: Sequence[Site],
    members: list[int],
    lon: np.ndarray,
    lat: np.ndarray,
    country: np.ndarray,
    reach: np.ndarray,
    dist: np.ndarray,
    status: np.ndarray,
    warnings: dict[int, list[str]],
    water: dict[int, str],
) -> None:
    """Sites whose receiving water is a sea or lake: no river reach; the first leg to that
    water is their path (:mod:`hazatlas.geo.water_bodies`)."""
    rw = sites[members[0]].receiving_water or ""
    body = water_body(rw)
    for i in members:
        away = None if body is None else distance_to_water_body(body, lon[i], lat[i], country[i])
        if body is None or away is None:
            warnings.setdefault(i, []).append(
                f"receiving water {sites[i].receiving_water!r} is not a river of the network "
                "nor a sea or lake; nearest reach used"
            )
            continue
        reach[i], dist[i], status[i] = -1, away, "water_body"
        water[i] = body


def _first_legs(
    reach: np.ndarray, dist: np.ndarray, water: dict[int, str]
) -> tuple[np.ndarray, np.ndarray]:
    """Length (m) and travel time (s, low/mean/high) of each site's unmapped first leg: the
    straight line to its receiving reach when farther than ``ON_RIVER_M``, or to its sea or
    lake; zero on the river (rule in :mod:`hazatlas.geo.water_bodies`)."""
    leg = np.where((reach >= 0) & (dist > ON_RIVER_M) & np.isfinite(dist), dist, 0.0)
    for i in water:
        leg[i] = dist[i]
    seconds = leg / first_leg_velocity_m_s()
    return leg, np.vstack([seconds] * len(FLOWS))


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


def _downstream_events(
    net: RiverNetwork, reach: np.ndarray, offset: np.ndarray, country: np.ndarray
) -> DownstreamEvents:
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
                ("contact", np.zeros(0, np.int64)),
            ]
        )
    }
    outlets = [paths.outlet_name(net, int(reach[i])) for i in first.tolist()]
    return DownstreamEvents(
        key, key_ptr, cat["country"], cat["border"], cat["at_site"], cat["distance"], cat["time"],
        outlets, cat["contact"],
    )  # fmt: skip


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
            EstablishmentSites(establishments),
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
