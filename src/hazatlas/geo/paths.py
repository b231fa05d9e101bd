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

import functools
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, overload

import numpy as np

from hazatlas.domain.reference import load_table
from hazatlas.geo._segindex import SegmentIndex
from hazatlas.geo.borders import (
    _border_lines,
    code_keys,
    countries_at,
    load_countries,
    near_land_border,
)
from hazatlas.geo.network import readonly
from hazatlas.geo.upstream import UpstreamIntervals, on_path, upstream_intervals

if TYPE_CHECKING:
    from hazatlas.geo.network import RiverNetwork
    from hazatlas.geo.network_index import NetworkIndex
    from hazatlas.geo.riparian import RiparianContact
    from hazatlas.geo.snapping import SnapIndex

BORDER_TOLERANCE_M = 1500.0
MIN_BORDER_RUN_M = 8000.0
MIN_RUN_M = 3000.0

State = tuple[str, ...]

__all__ = ["UpstreamIntervals", "on_path", "upstream_intervals"]  # kept here too (moved)


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


@functools.cache
def _border_index() -> tuple[SegmentIndex, np.ndarray, np.ndarray]:
    """The land borders as a segment index, with the two countries of each border line."""
    lines, ca, cb = _border_lines()
    return SegmentIndex(lines, 500.0), ca, cb


@functools.cache
def _all_codes() -> np.ndarray:
    """Every country code and ``""``, sorted by :func:`hazatlas.geo.borders.code_keys`."""
    codes = np.array(["", *load_countries()], dtype="<U3")
    return codes[np.argsort(code_keys(codes), kind="stable")]


def _sample_states(
    network: RiverNetwork, snap: SnapIndex, cells: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[State]]:
    """Reach, offset and state of every densified vertex of the snapping index; the state as a
    code into the returned list of distinct states (code 0 is the empty state ``()``: equal
    states have equal codes). ``cells=False``: every vertex tested point by point (the same
    answers, slower; see :func:`hazatlas.geo.borders.countries_at`)."""
    index = snap.segments
    lon, lat, feat = index.lon, index.lat, index.feature
    offset = index.along * snap.scale[feat]
    country = countries_at(lon, lat, cells=cells)
    bidx, ca, cb = _border_index()
    # the exact distance only where a border may be within the tolerance (a cell test)
    ask = near_land_border(lon, lat, BORDER_TOLERANCE_M) if cells else np.ones(len(lon), bool)
    f = np.full(len(lon), -1, dtype=np.int64)
    dist = np.full(len(lon), np.inf)
    near = bidx.query(lon[ask], lat[ask], k=1, max_distance_m=BORDER_TOLERANCE_M)
    f[ask], dist[ask] = near.feature[:, 0], near.distance_m[:, 0]
    on_border = (f >= 0) & (dist <= BORDER_TOLERANCE_M)
    # the state depends on (country, border line if on a border) only: one tuple per distinct
    # pair, not per vertex
    # (integer keys of the codes: sorting integers is much faster than sorting strings)
    # (a look-up in the sorted keys of every code and a table of the pairs present instead
    # of sorting the vertices: the same pairs in the same order)
    names = _all_codes()
    c_idx = np.searchsorted(code_keys(names), code_keys(country))
    line = np.where(on_border, f, -1).astype(np.int64) + 1
    pair = c_idx * (len(ca) + 1) + line
    present = np.zeros(len(names) * (len(ca) + 1), dtype=bool)
    present[pair] = True
    pairs = np.flatnonzero(present)
    which = (np.cumsum(present) - 1)[pair]
    table: list[State] = [()]
    code_of: dict[State, int] = {(): 0}
    pair_code = np.zeros(len(pairs), dtype=np.int64)
    for k, key in enumerate(pairs.tolist()):
        c, fi = str(names[key // (len(ca) + 1)]), key % (len(ca) + 1) - 1
        st = {c} if c else set()
        if fi >= 0:
            st |= {str(ca[fi]), str(cb[fi])}
        state = tuple(sorted(st))
        if state not in code_of:
            code_of[state] = len(table)
            table.append(state)
        pair_code[k] = code_of[state]
    return feat, offset, pair_code[which.reshape(-1)], table


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


@dataclass(frozen=True)
class RiverRuns:
    """Smoothed (start offset, state) runs along every reach, and a flat sorted key of all
    runs for vectorised look-ups (:meth:`run_of`). Built once per network
    (``network.index.runs``)."""

    start: tuple[np.ndarray, ...]  # per reach, offsets (m) where its runs start; [0.0, ...]
    state: tuple[tuple[State, ...], ...]  # per reach, the state of each run
    ptr: np.ndarray  # (n + 1,) first flat run of each reach
    pos: np.ndarray  # flat runs: reach + start / (length + 1), ascending
    length_m: np.ndarray  # max(length_m, 1) per reach
    #: flat runs: the state of each as a code into ``table`` (equal states, equal codes;
    #: code 0 is the empty state); None where built without (see :meth:`state_codes`)
    code: np.ndarray | None = None
    table: tuple[State, ...] = ()

    @classmethod
    def build(cls, network: RiverNetwork, snap: SnapIndex, cells: bool = True) -> RiverRuns:
        feat, offset, code, table = _sample_states(network, snap, cells)
        n = len(network)
        bounds = np.searchsorted(feat, np.arange(n + 1))
        uniform, single = _single_state(feat, code, n)
        code_of = {st: k for k, st in enumerate(table)}
        run_code = single.copy()  # per reach its first run's code, then the flat runs'
        mixed_starts: dict[int, list[float]] = {}
        mixed_codes: dict[int, list[int]] = {}
        for r in np.flatnonzero(~uniform).tolist():  # two states or more: smoothed one by one
            lo, hi = bounds[r], bounds[r + 1]
            off = offset[lo:hi]
            mids = (off[:-1] + off[1:]) / 2
            st = [0.0, *mids.tolist()]
            en = [*mids.tolist(), float(network.length_m[r])]
            s, ss = _smooth(st, en, [table[c] for c in code[lo:hi].tolist()])
            run_code[r] = code_of[ss[0]]
            if len(ss) > 1:  # else smoothed into one run: starts at 0
                mixed_starts[r] = s
                mixed_codes[r] = [code_of[x] for x in ss]
        sizes = np.ones(n, dtype=np.int64)
        multi = np.array(sorted(mixed_starts), dtype=np.int64)
        sizes[multi] = [len(mixed_starts[r]) for r in multi.tolist()]
        ptr = np.concatenate([[0], np.cumsum(sizes)])
        flat = np.zeros(int(ptr[-1]))
        flat_code = np.repeat(run_code, sizes)
        for r in multi.tolist():
            flat[ptr[r] : ptr[r + 1]] = mixed_starts[r]
            flat_code[ptr[r] : ptr[r + 1]] = mixed_codes[r]
        return cls.from_arrays(network.length_m, ptr, flat, flat_code, tuple(table))

    @classmethod
    def from_arrays(
        cls,
        length_m: np.ndarray,
        ptr: np.ndarray,
        start: np.ndarray,
        code: np.ndarray,
        table: tuple[State, ...],
    ) -> RiverRuns:
        """The runs of flat arrays (as :meth:`arrays` gives them): ``ptr`` the first flat run
        of each reach, ``start`` and ``code`` the start offset and state code of each flat
        run, ``table`` the states by code; ``length_m`` the reaches' lengths."""
        n = len(ptr) - 1
        sizes = np.diff(ptr)
        zero = readonly(np.zeros(1))  # shared by every reach of one run (read-only)
        once = [(st,) for st in table]
        run_start: list[np.ndarray] = [zero] * n
        run_state: list[tuple[State, ...]] = [once[c] for c in code[ptr[:-1]].tolist()]
        for r in np.flatnonzero(sizes > 1).tolist():
            lo, hi = int(ptr[r]), int(ptr[r + 1])
            run_start[r] = readonly(start[lo:hi])
            run_state[r] = tuple(table[c] for c in code[lo:hi].tolist())
        length = np.maximum(length_m, 1.0)
        reach_of = np.repeat(np.arange(n), sizes)
        pos = start / (length[reach_of] + 1.0) + reach_of
        return cls(tuple(run_start), tuple(run_state), readonly(ptr, np.int64), readonly(pos),
                   readonly(length), readonly(code, np.int64), tuple(table))  # fmt: skip

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[State, ...]]:
        """``(ptr, start, code, table)``: what :meth:`from_arrays` takes back."""
        code, table = self.state_codes()
        start = np.zeros(int(self.ptr[-1]))
        for r in np.flatnonzero(np.diff(self.ptr) > 1).tolist():
            start[self.ptr[r] : self.ptr[r + 1]] = self.start[r]
        return self.ptr, start, code, table

    def state_codes(self) -> tuple[np.ndarray, tuple[State, ...]]:
        """The state code of every flat run and the states by code (computed from
        :attr:`state` where the runs were built without them)."""
        if self.code is not None:
            return self.code, self.table
        table: list[State] = [()]
        code_of: dict[State, int] = {(): 0}
        out = np.zeros(int(self.ptr[-1]), dtype=np.int64)
        k = 0
        for states in self.state:
            for st in states:
                c = code_of.get(st)
                if c is None:
                    c = code_of[st] = len(table)
                    table.append(st)
                out[k] = c
                k += 1
        return readonly(out), tuple(table)

    def run_of(self, reach: np.ndarray, offset_m: np.ndarray) -> np.ndarray:
        """Index of the state run that contains each (reach, offset), vectorised."""
        q = reach + np.clip(offset_m, 0.0, None) / (self.length_m[reach] + 1.0)
        j = np.searchsorted(self.pos, q, side="right") - 1
        out: np.ndarray = np.maximum(j - self.ptr[reach], 0).astype(np.int64)
        return out


def _single_state(feat: np.ndarray, code: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per reach: whether all its samples that have a state have the same one (or none has
    one, or it has no sample), and that state's code (0 if none). Such a reach is one run of
    that state (what :func:`_smooth` makes of it: empty states take their neighbour's)."""
    has = code > 0
    fe, ce = feat[has], code[has]
    lo = np.searchsorted(fe, np.arange(n), side="left")
    hi = np.searchsorted(fe, np.arange(n), side="right")
    some = hi > lo
    first = np.zeros(n, dtype=np.int64)
    first[some] = ce[lo[some]]
    # a reach is uniform when each of its coded samples equals the reach's first one
    differs = np.zeros(n, dtype=bool)
    other = ce != first[fe]
    differs[fe[other]] = True
    return ~differs, first


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
