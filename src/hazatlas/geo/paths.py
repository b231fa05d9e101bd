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
* Riparian contacts that the polygons cannot resolve (Moldova's Danube bank at Giurgiulești,
  ``riparian_contacts.csv``, :mod:`hazatlas.geo.riparian`) enter the transition lists as
  transitions of their own at their position on the river: the contact's country joins the
  state there (if not already in it) and is listed at its first entry like any other, with
  the contact attached (``via``: riparian contact).
* The list ends with the outlet (sea or endorheic lake, named from ``sea_regions.csv``) or
  ``end of network`` where the network has no outlet.

Everything is precomputed once per network in one reverse topological sweep (the transition
list from every reach to its outlet shares the list of its downstream reach); sites are then
answered by array look-ups, not by a graph search per site. The precomputed objects
(:class:`RiverRuns`, the tails of :func:`build_tails`, :class:`UpstreamIntervals`,
:class:`TravelTime`, the outlet names) are built here and held by ``network.index``
(:mod:`hazatlas.geo.network_index`); the functions taking a network read them from there.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, overload

import numpy as np

from hazatlas.domain.reference import load_table
from hazatlas.geo.borders import countries_at
from hazatlas.geo.network import readonly
from hazatlas.geo.river_runs import (
    BORDER_TOLERANCE_M,
    MIN_BORDER_RUN_M,
    MIN_RUN_M,
    RiverRuns,
    State,
    _all_codes,
    _border_index,
    _smooth,
)
from hazatlas.geo.upstream import UpstreamIntervals, on_path, upstream_intervals

if TYPE_CHECKING:
    from hazatlas.geo.network import RiverNetwork
    from hazatlas.geo.network_index import NetworkIndex
    from hazatlas.geo.riparian import RiparianContact

# kept here too (moved to hazatlas.geo.upstream and hazatlas.geo.river_runs)
__all__ = ["BORDER_TOLERANCE_M", "MIN_BORDER_RUN_M", "MIN_RUN_M", "RiverRuns", "State",
           "UpstreamIntervals", "_all_codes", "_border_index", "_smooth", "countries_at",
           "on_path", "upstream_intervals"]  # fmt: skip


@dataclass(frozen=True)
class BorderCrossing:
    """A country reached by the river below a site."""

    country: str  # adm0_a3 of the country the river ENTERS (or runs along, for border rivers)
    river_distance_m: float  # along the river from the snapped source point
    reach_index: int
    offset_m: float
    border_river: bool = False  # True when the country is reached as the far bank of a border river
    contact: RiparianContact | None = None  # set when the country is a riparian contact


@dataclass(frozen=True)
class Transition:
    reach_index: int
    offset_m: float
    before: State
    after: State
    contact: RiparianContact | None = None  # a riparian contact, not a change of the runs


def downstream_path(network: RiverNetwork, reach_index: int) -> np.ndarray:
    """Reach indices from ``reach_index`` down to the outlet (inclusive)."""
    out = []
    i = int(reach_index)
    while i >= 0:
        out.append(i)
        i = int(network.downstream[i])
    return np.array(out, dtype=np.int64)


def river_runs(
    network: RiverNetwork,
) -> tuple[tuple[np.ndarray, ...], tuple[tuple[State, ...], ...]]:
    """Smoothed (start offset, state) runs per reach (``network.index.runs``)."""
    runs = network.index.runs
    return runs.start, runs.state


Contacts = Mapping[int, tuple[tuple[float, "RiparianContact"], ...]]


def reach_transitions(
    reach: int, runs: RiverRuns, contacts: Contacts, offset_m: float = 0.0
) -> tuple[State, tuple[Transition, ...]]:
    """The state at ``offset_m`` of ``reach`` and the transitions of the reach below it: the
    run changes and the riparian contacts (a contact before a run change at the same
    offset, with the state above that change), in downstream order. A contact at the very
    start of a reach comes after the junction into that reach (:func:`build_tails`)."""
    start, state = runs.start[reach], runs.state[reach]
    k = max(int(np.searchsorted(start, offset_m, side="right")) - 1, 0) if offset_m > 0 else 0
    own = [
        Transition(reach, float(start[j]), state[j - 1], state[j]) for j in range(k + 1, len(state))
    ]
    for off, c in contacts.get(reach, ()):
        if off < offset_m:
            continue
        j = max(int(np.searchsorted(start, off, side="left")) - 1, 0)  # the state just above
        after = tuple(sorted({*state[j], c.country}))
        at = next((i for i, t in enumerate(own) if t.offset_m >= off), len(own))
        own.insert(at, Transition(reach, off, state[j], after, c))
    return state[k], tuple(own)


def build_tails(
    network: RiverNetwork, runs: RiverRuns, contacts: Contacts = MappingProxyType({})
) -> tuple[tuple[Transition, ...], ...]:
    """For each reach, the state transitions from the end of the reach to the outlet
    (the junction into the downstream reach and the riparian ``contacts`` included), all of
    them at once: ``tuple(Tails(network, runs, contacts))``, what ``network.index.tails``
    answers reach by reach."""
    return tuple(Tails(network, runs, contacts))


class Tails(Sequence[tuple[Transition, ...]]):
    """Per reach, the state transitions from the end of the reach to the outlet (the junction
    into the downstream reach and the riparian ``contacts`` included), each computed on first
    use and kept (``network.index.tails``).

    The tail of a reach is the junction into its downstream reach ``d`` (where the state
    changes) followed by ``d``'s own transitions and ``d``'s tail; a reach's tail is built by
    walking down to the first reach whose tail is known (or the outlet) and back up, so a
    screening pays for the reaches below its sites only, not for every reach of a network of
    a million (the same tuples as one reverse topological sweep over all of them)."""

    def __init__(self, network: RiverNetwork, runs: RiverRuns, contacts: Contacts) -> None:
        self._runs, self._contacts = runs, contacts
        self._down = network.downstream
        self._plain = np.diff(runs.ptr) == 1  # one run and (if no contact) nothing of its own
        self._tail: list[tuple[Transition, ...] | None] = [None] * len(network)
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._tail)

    @overload
    def __getitem__(self, i: int) -> tuple[Transition, ...]: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[tuple[Transition, ...]]: ...
    def __getitem__(self, i: int | slice) -> Any:
        if isinstance(i, slice):
            return tuple(self[j] for j in range(*i.indices(len(self))))
        r = int(i)
        if r < 0:
            r += len(self._tail)
        if not 0 <= r < len(self._tail):
            raise IndexError(f"reach {i} out of range")
        done = self._tail[r]
        if done is not None:
            return done
        with self._lock:
            return self._build(r)

    def _build(self, r: int) -> tuple[Transition, ...]:
        tail, down, runs, contacts = self._tail, self._down, self._runs, self._contacts
        path = []
        x = r
        while x >= 0 and tail[x] is None:
            path.append(x)
            x = int(down[x])
        run_state = runs.state
        for x in reversed(path):
            d = int(down[x])
            if d < 0:
                tail[x] = ()
                continue
            junction: tuple[Transition, ...] = ()
            if run_state[d][0] != run_state[x][-1] and run_state[d][0]:
                junction = (Transition(d, 0.0, run_state[x][-1], run_state[d][0]),)
            own = (
                ()
                if self._plain[d] and d not in contacts
                else reach_transitions(d, runs, contacts)[1]
            )
            below = tail[d]
            assert below is not None  # built before (further down the path) or known
            tail[x] = junction + own + below
        out = tail[r]
        assert out is not None
        return out


def transitions_to_outlet(network: RiverNetwork) -> Sequence[tuple[Transition, ...]]:
    """For each reach, the state transitions from its end to the outlet
    (``network.index.tails``, see :class:`Tails`; each built on first use)."""
    return network.index.tails


def site_transitions(
    network: RiverNetwork, reach_index: int, offset_m: float
) -> tuple[State, tuple[Transition, ...]]:
    """The state at a point of a reach and every transition below it (riparian contacts
    included)."""
    index = network.index
    state, own = reach_transitions(reach_index, index.runs, index.contacts, offset_m)
    return state, own + index.tails[reach_index]


Arrival = tuple[str, int, float, bool, "RiparianContact | None"]


def first_arrivals(
    state: State, transitions: tuple[Transition, ...], origin: str | None
) -> list[Arrival]:
    """Countries in order of first arrival: ``(country, reach_index, offset_m, border_river,
    contact)``; ``reach_index`` -1 means "at the site" (the far bank of a border river);
    ``contact`` is the riparian contact the country is reached by, else None."""
    out: list[Arrival] = []
    emitted: set[str] = set()
    for c in state:
        if c != origin:
            out.append((c, -1, 0.0, len(state) > 1, None))
            emitted.add(c)
    for t in transitions:
        for c in t.after:
            if c not in t.before and c not in emitted:
                out.append((c, t.reach_index, t.offset_m, len(t.after) > 1, t.contact))
                emitted.add(c)
    return out


def countries_downstream(
    network: RiverNetwork, reach_index: int, offset_m: float, origin: str | None = None
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
    for c, r, off, border, contact in first_arrivals(state, trans, origin):
        if r < 0:
            out.append(BorderCrossing(c, 0.0, int(reach_index), float(offset_m), border))
        else:
            dist = d_site - (float(network.distance_to_outlet_m[r]) - off)
            out.append(BorderCrossing(c, max(dist, 0.0), r, off, border, contact))
    return out


def build_outlet_names(network: RiverNetwork) -> Mapping[int, str]:
    """Name of the water body each outlet reach drains to (``sea_regions.csv`` boxes), or
    ``"end of network"`` where the network has no outlet."""
    basin_outlet = network.attributes.get("basin_outlet")
    regions = load_table("sea_regions")
    out: dict[int, str] = {}
    for o in np.unique(network.outlet).tolist():
        lon, lat = network.geometry[o].coords[-1][:2]
        name = "end of network"
        if not (basin_outlet and basin_outlet[o] == "none"):
            for row in regions:
                if float(row["lon_min"]) <= lon <= float(row["lon_max"]) and float(
                    row["lat_min"]
                ) <= lat <= float(row["lat_max"]):
                    name = row["name"]
                    break
        out[o] = name
    return MappingProxyType(out)


def outlet_name(network: RiverNetwork, reach_index: int) -> str:
    """Name of the water body the reach drains to (``sea_regions.csv`` boxes), or
    ``"end of network"`` where the network has no outlet."""
    return network.index.outlet_names[int(network.outlet[reach_index])]


@dataclass(frozen=True)
class TravelTime:
    """Travel time (s) from each reach's upstream end to its outlet, and the velocity (m/s)
    per reach (at least 1e-9), for one flow."""

    to_outlet_s: np.ndarray
    velocity_m_s: np.ndarray


def build_travel_times(network: RiverNetwork) -> Mapping[str, TravelTime]:
    """:class:`TravelTime` for low, mean and high flow. Time through a reach = length /
    velocity (lake reaches: V/Q); summed in one reverse topological sweep."""
    out = {}
    for flow in ("low", "mean", "high"):
        v = np.maximum(network.hydraulics(flow).velocity_m_s, 1e-9)
        t = network.length_m / v
        for idx in reversed(network.groups):
            d = network.downstream[idx]
            ok = d >= 0
            t[idx[ok]] += t[d[ok]]
        out[flow] = TravelTime(readonly(t), readonly(v))
    return MappingProxyType(out)


def time_to_outlet(network: RiverNetwork, flow: str) -> tuple[np.ndarray, np.ndarray]:
    """Travel time (s) from each reach's upstream end to its outlet, and the velocity per reach,
    for ``flow`` (``network.index.travel``)."""
    tt = network.index.travel[flow]
    return tt.to_outlet_s, tt.velocity_m_s


def run_of(network: RiverNetwork, reach: np.ndarray, offset_m: np.ndarray) -> np.ndarray:
    """Index of the state run that contains each (reach, offset), vectorised."""
    return network.index.runs.run_of(reach, offset_m)


#: First arrivals below a point as arrays: country, border_river, at_site, distance to outlet
#: (m; nan at the site), time to outlet (3, m) s for low/mean/high flow (nan at the site),
#: riparian contact (its ``number`` in :func:`hazatlas.geo.riparian.riparian_contacts`; -1 none).
KeyEvents = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def key_events(network: RiverNetwork, reach: int, run: int, origin: str) -> KeyEvents:
    """First arrivals below run ``run`` of ``reach`` for a site in ``origin`` (memoised by
    ``network.index``), as :data:`KeyEvents` arrays."""
    return network.index.key_events(reach, run, origin)


def first_arrival_events(index: NetworkIndex, reach: int, run: int, origin: str) -> KeyEvents:
    """:func:`key_events` computed (see :func:`first_arrivals`)."""
    network = index.network
    run_start = index.runs.start[reach]
    off = float(run_start[min(run, len(run_start) - 1)])
    state, trans = site_transitions(network, reach, off)
    arr = first_arrivals(state, trans, origin or None)
    m = len(arr)
    country = np.array([a[0] for a in arr], dtype="<U3")
    border = np.array([a[3] for a in arr], dtype=bool)
    at_site = np.array([a[1] < 0 for a in arr], dtype=bool)
    r = np.array([max(a[1], 0) for a in arr], dtype=np.int64)
    o = np.array([a[2] for a in arr], dtype=float)
    contact = np.array([-1 if a[4] is None else a[4].number for a in arr], dtype=np.int64)
    dist = np.where(at_site, np.nan, network.distance_to_outlet_m[r] - o) if m else np.zeros(0)
    time = np.zeros((3, m))
    for f, flow in enumerate(("low", "mean", "high")):
        tt = index.travel[flow]
        if m:
            time[f] = np.where(at_site, np.nan, tt.to_outlet_s[r] - o / tt.velocity_m_s[r])
    for a in (country, border, at_site, dist, time, contact):
        a.flags.writeable = False  # new arrays: frozen in place, no copy
    return country, border, at_site, dist, time, contact
