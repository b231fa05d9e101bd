"""The smoothed country-state runs along every reach of a network (:class:`RiverRuns`,
``network.index.runs``), moved here from :mod:`hazatlas.geo.paths` (which documents the rules
and still exports these names): each reach sampled at the densified vertices of its snapping
index, a state per sample (its country, and both countries of a land border within
``BORDER_TOLERANCE_M``), runs of equal state smoothed (``MIN_BORDER_RUN_M``, ``MIN_RUN_M``).
The runs can be written as flat arrays and read back (:meth:`RiverRuns.arrays`,
:meth:`RiverRuns.from_arrays`) to be stored with a network.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from hazatlas.geo._segindex import SegmentIndex
from hazatlas.geo.borders import (
    _border_lines,
    code_keys,
    countries_at,
    load_countries,
    near_land_border,
)
from hazatlas.geo.network import readonly

if TYPE_CHECKING:
    from hazatlas.geo.network import RiverNetwork
    from hazatlas.geo.snapping import SnapIndex

BORDER_TOLERANCE_M = 1500.0
MIN_BORDER_RUN_M = 8000.0
MIN_RUN_M = 3000.0

State = tuple[str, ...]


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
