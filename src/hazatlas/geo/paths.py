"""Downstream paths, the countries a river passes through, and border rivers.

Rules (documented in ``docs/screening.md``):

* Each reach is sampled every <= 1 km (the densified vertices of the snapping index). A sample
  gets the country whose polygon contains it; if it lies within ``BORDER_TOLERANCE_M`` of a
  land border A|B it is on a **border river** and its state is {own country, A, B}: both
  riparian countries are affected. The tolerance absorbs the offset between the Natural Earth
  4.0 river lines and the 5.1.1 borders (a few hundred metres, see SOURCES.md).
* Runs of equal state are smoothed: a border run shorter than ``MIN_BORDER_RUN_M`` (a river
  merely crossing a border) and any run shorter than ``MIN_RUN_M`` (a meander leaving the
  border line) take the state of the run before them. Samples outside every polygon (sea)
  keep the previous state.
* A country *enters* where it joins the state. The downstream list of a site gives each
  country once, at its first entry below the site. Countries already affected at the site
  other than the site's own country (the far bank of a border river) are listed at 0 km. The
  site's own country is listed again only if the river leaves it and comes back (Baia Mare:
  the Somes leaves Romania and the Danube later forms the Romanian border).
* The list ends with the outlet (sea or endorheic lake, named from ``sea_regions.csv``) or
  ``end of network`` where the network has no outlet.

Everything is precomputed once per network in one reverse topological sweep (the transition
list from every reach to its outlet shares the list of its downstream reach); sites are then
answered by array look-ups, not by a graph search per site.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from hazatlas.domain.reference import load_table
from hazatlas.geo._segindex import SegmentIndex
from hazatlas.geo.borders import _border_lines, countries_at

BORDER_TOLERANCE_M = 1500.0
MIN_BORDER_RUN_M = 8000.0
MIN_RUN_M = 3000.0

State = tuple[str, ...]


@dataclass(frozen=True)
class BorderCrossing:
    """A country reached by the river below a site."""

    country: str  # adm0_a3 of the country the river ENTERS (or runs along, for border rivers)
    river_distance_m: float  # along the river from the snapped source point
    reach_index: int
    offset_m: float
    border_river: bool = False  # True when the country is reached as the far bank of a border river


@dataclass(frozen=True)
class Transition:
    reach_index: int
    offset_m: float
    before: State
    after: State


def downstream_path(network: Any, reach_index: int) -> np.ndarray:
    """Reach indices from ``reach_index`` down to the outlet (inclusive)."""
    out = []
    i = int(reach_index)
    while i >= 0:
        out.append(i)
        i = int(network.downstream[i])
    return np.array(out, dtype=np.int64)


def _border_index() -> tuple[SegmentIndex, np.ndarray, np.ndarray]:
    lines, ca, cb = _border_lines()
    return SegmentIndex(lines, 500.0), ca, cb


def _sample_states(network: Any) -> tuple[np.ndarray, np.ndarray, list[State]]:
    from hazatlas.geo.snapping import _index

    index, scale = _index(network)
    lon, lat, feat = index.lon, index.lat, index.feature
    offset = index.along * scale[feat]
    country = countries_at(lon, lat)
    bidx, ca, cb = network.cache.get("border_index") or _border_index()
    network.cache["border_index"] = (bidx, ca, cb)
    near = bidx.query(lon, lat, k=1, max_distance_m=BORDER_TOLERANCE_M)
    f = near.feature[:, 0]
    on_border = (f >= 0) & (near.distance_m[:, 0] <= BORDER_TOLERANCE_M)
    states: list[State] = []
    for c, ob, fi in zip(country.tolist(), on_border.tolist(), f.tolist(), strict=True):
        s = {c} if c else set()
        if ob:
            s |= {str(ca[fi]), str(cb[fi])}
        states.append(tuple(sorted(s)))
    return feat, offset, states


def _smooth(
    starts: list[float], ends: list[float], states: list[State]
) -> tuple[list[float], list[State]]:
    # fill empty states (sea) with the previous (or next) state
    for i in range(len(states)):
        if not states[i]:
            states[i] = states[i - 1] if i else next((s for s in states if s), ())
    changed = True
    while changed:
        changed = False
        runs = _merge(starts, ends, states)
        starts, ends, states = [r[0] for r in runs], [r[1] for r in runs], [r[2] for r in runs]
        for i, (a, b, s) in enumerate(runs):
            limit = MIN_BORDER_RUN_M if len(s) > 1 else MIN_RUN_M
            if len(runs) > 1 and b - a < limit:
                states[i] = states[i - 1] if i else states[i + 1]
                changed = True
                break
    return starts, states


def _merge(
    starts: list[float], ends: list[float], states: list[State]
) -> list[tuple[float, float, State]]:
    out: list[tuple[float, float, State]] = []
    for a, b, s in zip(starts, ends, states, strict=True):
        if out and out[-1][2] == s:
            out[-1] = (out[-1][0], b, s)
        else:
            out.append((a, b, s))
    return out


def river_runs(network: Any) -> tuple[list[np.ndarray], list[list[State]]]:
    """Smoothed (start offset, state) runs per reach (cached on the network)."""
    cached = network.cache.get("river_runs")
    if cached is not None:
        return cached
    feat, offset, states = _sample_states(network)
    n = len(network)
    bounds = np.searchsorted(feat, np.arange(n + 1))
    run_start: list[np.ndarray] = []
    run_state: list[list[State]] = []
    for r in range(n):
        lo, hi = bounds[r], bounds[r + 1]
        off = offset[lo:hi]
        if hi - lo == 0:
            run_start.append(np.zeros(1))
            run_state.append([()])
            continue
        mids = (off[:-1] + off[1:]) / 2 if hi - lo > 1 else np.zeros(0)
        st = [0.0, *mids.tolist()]
        en = [*mids.tolist(), float(network.length_m[r])]
        s, ss = _smooth(st, en, list(states[lo:hi]))
        run_start.append(np.array(s))
        run_state.append(ss)
    network.cache["river_runs"] = (run_start, run_state)
    return run_start, run_state


def transitions_to_outlet(network: Any) -> list[tuple[Transition, ...]]:
    """For each reach, the state transitions from the end of the reach to the outlet
    (the junction into the downstream reach included). One reverse topological sweep."""
    cached = network.cache.get("tail")
    if cached is not None:
        return cached
    run_start, run_state = river_runs(network)
    n = len(network)
    tail: list[tuple[Transition, ...]] = [()] * n
    within: list[tuple[Transition, ...]] = [()] * n  # from the start of each reach
    for idx in reversed(network.groups):
        for r in idx.tolist():
            d = int(network.downstream[r])
            own = tuple(
                Transition(r, float(run_start[r][k]), run_state[r][k - 1], run_state[r][k])
                for k in range(1, len(run_state[r]))
            )
            if d >= 0:
                junction: tuple[Transition, ...] = ()
                if run_state[d][0] != run_state[r][-1] and run_state[d][0]:
                    junction = (Transition(d, 0.0, run_state[r][-1], run_state[d][0]),)
                tail[r] = junction + within[d]
            within[r] = own + tail[r]
    network.cache["tail"] = tail
    network.cache["within"] = within
    return tail


def site_transitions(
    network: Any, reach_index: int, offset_m: float
) -> tuple[State, tuple[Transition, ...]]:
    """The state at a point of a reach and every transition below it."""
    run_start, run_state = river_runs(network)
    tail = transitions_to_outlet(network)
    k = int(np.searchsorted(run_start[reach_index], offset_m, side="right")) - 1
    k = max(k, 0)
    own = tuple(
        Transition(
            reach_index,
            float(run_start[reach_index][j]),
            run_state[reach_index][j - 1],
            run_state[reach_index][j],
        )
        for j in range(k + 1, len(run_state[reach_index]))
    )
    return run_state[reach_index][k], own + tail[reach_index]


def first_arrivals(
    state: State, transitions: tuple[Transition, ...], origin: str | None
) -> list[tuple[str, int, float, bool]]:
    """Countries in order of first arrival: ``(country, reach_index, offset_m, border_river)``;
    ``reach_index`` -1 means "at the site" (the far bank of a border river)."""
    out: list[tuple[str, int, float, bool]] = []
    emitted: set[str] = set()
    for c in state:
        if c != origin:
            out.append((c, -1, 0.0, len(state) > 1))
            emitted.add(c)
    for t in transitions:
        for c in t.after:
            if c not in t.before and c not in emitted:
                out.append((c, t.reach_index, t.offset_m, len(t.after) > 1))
                emitted.add(c)
    return out


def countries_downstream(
    network: Any, reach_index: int, offset_m: float, origin: str | None = None
) -> list[BorderCrossing]:
    """Countries reached below a point of a reach, in order, with the river distance to each.

    ``origin`` is the site's own country; by default the country of the river at the point
    (for a point on a border river, the first listed riparian country is not assumed).
    """
    state, trans = site_transitions(network, reach_index, offset_m)
    if origin is None and len(state) == 1:
        origin = state[0]
    d_site = float(network.distance_to_outlet_m[reach_index]) - offset_m
    out = []
    for c, r, off, border in first_arrivals(state, trans, origin):
        if r < 0:
            out.append(BorderCrossing(c, 0.0, int(reach_index), float(offset_m), border))
        else:
            dist = d_site - (float(network.distance_to_outlet_m[r]) - off)
            out.append(BorderCrossing(c, max(dist, 0.0), r, off, border))
    return out


def outlet_name(network: Any, reach_index: int) -> str:
    """Name of the water body the reach drains to (``sea_regions.csv`` boxes), or
    ``"end of network"`` where the network has no outlet."""
    cache = network.cache.setdefault("outlet_names", {})
    out = int(network.outlet[reach_index])
    if out in cache:
        return cache[out]
    basin_outlet = network.attributes.get("basin_outlet")
    lon, lat = network.geometry[out].coords[-1][:2]
    name = "end of network"
    if not (basin_outlet and basin_outlet[out] == "none"):
        for row in load_table("sea_regions"):
            if float(row["lon_min"]) <= lon <= float(row["lon_max"]) and float(
                row["lat_min"]
            ) <= lat <= float(row["lat_max"]):
                name = row["name"]
                break
    cache[out] = name
    return name


def time_to_outlet(network: Any, flow: str) -> tuple[np.ndarray, np.ndarray]:
    """Travel time (s) from each reach's upstream end to its outlet, and the velocity per reach,
    for ``flow`` (cached). Time through a reach = length / velocity (lake reaches: V/Q)."""
    key = ("time_to_outlet", flow)
    cached = network.cache.get(key)
    if cached is None:
        v = np.maximum(network.hydraulics(flow).velocity_m_s, 1e-9)
        t = network.length_m / v
        for idx in reversed(network.groups):
            d = network.downstream[idx]
            ok = d >= 0
            t[idx[ok]] += t[d[ok]]
        cached = (t, v)
        network.cache[key] = cached
    return cached


def run_of(network: Any, reach: np.ndarray, offset_m: np.ndarray) -> np.ndarray:
    """Index of the state run that contains each (reach, offset), vectorised."""
    run_start, _ = river_runs(network)
    flat = network.cache.get("run_flat")
    if flat is None:
        sizes = np.array([len(s) for s in run_start])
        ptr = np.concatenate([[0], np.cumsum(sizes)])
        length = np.maximum(network.length_m, 1.0)
        reach_of = np.repeat(np.arange(len(run_start)), sizes)
        pos = np.concatenate(run_start) / (length[reach_of] + 1.0) + reach_of
        flat = (ptr, pos)
        network.cache["run_flat"] = flat
    ptr, pos = flat
    length = np.maximum(network.length_m[reach], 1.0)
    q = reach + np.clip(offset_m, 0.0, None) / (length + 1.0)
    j = np.searchsorted(pos, q, side="right") - 1
    return np.maximum(j - ptr[reach], 0).astype(np.int64)


def key_events(
    network: Any, reach: int, run: int, origin: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """First arrivals below run ``run`` of ``reach`` for a site in ``origin`` (cached), as
    arrays: country, border_river, at_site, distance to outlet (m), time to outlet (3, m) s."""
    cache = network.cache.setdefault("key_events", {})
    k = (reach, run, origin)
    if k in cache:
        return cache[k]
    run_start, _ = river_runs(network)
    off = float(run_start[reach][min(run, len(run_start[reach]) - 1)])
    state, trans = site_transitions(network, reach, off)
    arr = first_arrivals(state, trans, origin or None)
    m = len(arr)
    country = np.array([a[0] for a in arr], dtype="<U3")
    border = np.array([a[3] for a in arr], dtype=bool)
    at_site = np.array([a[1] < 0 for a in arr], dtype=bool)
    r = np.array([max(a[1], 0) for a in arr], dtype=np.int64)
    o = np.array([a[2] for a in arr], dtype=float)
    dist = np.where(at_site, np.nan, network.distance_to_outlet_m[r] - o) if m else np.zeros(0)
    time = np.zeros((3, m))
    for f, flow in enumerate(("low", "mean", "high")):
        t, v = time_to_outlet(network, flow)
        if m:
            time[f] = np.where(at_site, np.nan, t[r] - o / v[r])
    cache[k] = (country, border, at_site, dist, time)
    return cache[k]


def upstream_intervals(network: Any) -> tuple[np.ndarray, np.ndarray]:
    """Entry/exit numbers of a depth-first walk of the *upstream* tree (cached).

    Reach ``a`` drains through reach ``b`` (``b`` is on the downstream path of ``a``) iff
    ``tin[b] <= tin[a] < tout[b]`` - a vectorised "is on the path" test.
    """
    cached = network.cache.get("upstream_intervals")
    if cached is not None:
        return cached
    n = len(network)
    children: list[list[int]] = [[] for _ in range(n)]
    for i, d in enumerate(network.downstream.tolist()):
        if d >= 0:
            children[d].append(i)
    tin = np.zeros(n, dtype=np.int64)
    tout = np.zeros(n, dtype=np.int64)
    clock = 0
    for root in np.flatnonzero(network.downstream < 0).tolist():
        stack = [(root, False)]
        while stack:
            node, done = stack.pop()
            if done:
                tout[node] = clock
                continue
            tin[node] = clock
            clock += 1
            stack.append((node, True))
            stack.extend((c, False) for c in children[node])
    network.cache["upstream_intervals"] = (tin, tout)
    return tin, tout


def on_path(
    network: Any,
    site_reach: np.ndarray,
    site_offset_m: np.ndarray,
    poi_reach: np.ndarray,
    poi_offset_m: np.ndarray,
) -> np.ndarray:
    """Boolean matrix (sites x points): the point lies on the site's downstream path."""
    tin, tout = upstream_intervals(network)
    s = np.asarray(site_reach)[:, None]
    p = np.asarray(poi_reach)[None, :]
    ok = (s >= 0) & (p >= 0)
    s0, p0 = np.maximum(s, 0), np.maximum(p, 0)
    below = (tin[p0] <= tin[s0]) & (tin[s0] < tout[p0])
    same = s0 == p0
    after = np.asarray(poi_offset_m)[None, :] >= np.asarray(site_offset_m)[:, None]
    return ok & below & (~same | after)
