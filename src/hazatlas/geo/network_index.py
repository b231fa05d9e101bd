"""The indexes derived from one :class:`~hazatlas.geo.network.RiverNetwork`, as objects.

A network is immutable, so everything derived from it is built once and never changes:

* :attr:`NetworkIndex.snap` - the KD-tree over the densified reach lines used to snap points
  (:class:`hazatlas.geo.snapping.SnapIndex`);
* :attr:`NetworkIndex.runs` - the smoothed country-state runs along every reach
  (:class:`hazatlas.geo.paths.RiverRuns`);
* :attr:`NetworkIndex.contacts` - the riparian contacts placed on the reaches
  (:func:`hazatlas.geo.riparian.place_contacts`);
* :attr:`NetworkIndex.tails` - per reach, the state transitions from its end to the outlet
  (riparian contacts included);
* :attr:`NetworkIndex.upstream` - entry/exit numbers of the upstream tree ("is on the path");
* :attr:`NetworkIndex.travel` - travel time to the outlet per flow;
* :attr:`NetworkIndex.outlet_names` - the water body each outlet reach drains to.

Each is built on first use (``functools.cached_property``). Two look-ups that depend on the question are memoised here too:
the snapping index of a set of reaches (one river's reaches, see
:func:`hazatlas.geo.snapping.snap_to_reaches`) and the first arrivals below a point
(:func:`hazatlas.geo.paths.key_events`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from hazatlas.geo import paths, riparian, snapping
from hazatlas.geo._segindex import SegmentIndex

if TYPE_CHECKING:
    from hazatlas.geo.network import RiverNetwork


class NetworkIndex:
    """The derived indexes of ``network`` (see the module doc); get it as ``network.index``."""

    def __init__(self, network: RiverNetwork) -> None:
        self.network = network
        self._subsets: dict[tuple[int, ...], SegmentIndex] = {}
        self._events: dict[tuple[int, int, str], paths.KeyEvents] = {}

    @functools.cached_property
    def snap(self) -> snapping.SnapIndex:
        return snapping.SnapIndex.build(self.network)

    @functools.cached_property
    def runs(self) -> paths.RiverRuns:
        return paths.RiverRuns.build(self.network, self.snap)

    @functools.cached_property
    def contacts(self) -> paths.Contacts:
        return riparian.place_contacts(self.network)

    @functools.cached_property
    def tails(self) -> tuple[tuple[paths.Transition, ...], ...]:
        return paths.build_tails(self.network, self.runs, self.contacts)

    @functools.cached_property
    def upstream(self) -> paths.UpstreamIntervals:
        return paths.UpstreamIntervals.build(self.network.downstream)

    @functools.cached_property
    def travel(self) -> Mapping[str, paths.TravelTime]:
        return paths.build_travel_times(self.network)

    @functools.cached_property
    def outlet_names(self) -> Mapping[int, str]:
        return paths.build_outlet_names(self.network)

    def reach_subset(self, reaches: tuple[int, ...]) -> SegmentIndex:
        """The snapping index of the given reaches only (memoised by the tuple of reaches)."""
        index = self._subsets.get(reaches)
        if index is None:
            index = self._subsets[reaches] = snapping.subset_index(self.network, reaches)
        return index

    @functools.cached_property
    def same_events_as(self) -> np.ndarray:
        """Per reach, the reach whose first run has the same first arrivals below it: itself,
        or (through reaches of one run, without riparian contacts, whose state the reach below
        starts with) the first reach downstream where something happens. On a network of a
        million reaches most reaches lead to a few thousand, so that the first arrivals are
        computed once per reach where the state changes rather than once per reach with a site.

        Why the arrivals are the same: :func:`hazatlas.geo.paths.first_arrival_events` of run 0
        of such a reach ``r`` reads the state of its only run and the transitions below it,
        which are ``tails[r] = within[d]`` (no junction transition as the states are equal),
        the transitions from the start of ``d``: exactly those of run 0 of ``d``, whose state is
        the same; distances and times are absolute (to the outlet), not relative to ``r``.
        """
        net, runs, contacts = self.network, self.runs, self.contacts
        n = len(net)
        down = net.downstream
        state = runs.state
        one_run = np.diff(runs.ptr) == 1
        passes = np.zeros(n, dtype=bool)
        for r in np.flatnonzero(one_run & (down >= 0)).tolist():
            passes[r] = r not in contacts and state[int(down[r])][0] == state[r][0]
        out = np.arange(n)
        for idx in reversed(net.groups):  # outlets first
            p = idx[passes[idx]]
            out[p] = out[down[p]]
        return out

    def key_events(self, reach: int, run: int, origin: str) -> paths.KeyEvents:
        """:func:`hazatlas.geo.paths.key_events`, memoised by (reach, run, origin); run 0 of a
        reach through which nothing happens is answered by the reach it leads to
        (:attr:`same_events_as`)."""
        if run == 0:
            reach = int(self.same_events_as[reach])
        key = (reach, run, origin)
        events = self._events.get(key)
        if events is None:
            events = self._events[key] = paths.first_arrival_events(self, reach, run, origin)
        return events

    def built(self) -> set[str]:
        """Names of the indexes built so far."""
        names = ("snap", "runs", "contacts", "tails", "upstream", "travel", "outlet_names",
                 "same_events_as")  # fmt: skip
        return {n for n in names if n in self.__dict__}
