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

Each is built on first use (``functools.cached_property``); the snapping index and the state
runs of a network stored with them (``hazatlas network build``) are read back from their
arrays instead (:func:`stored_arrays`, :meth:`NetworkIndex.attach`, stamped by
:func:`index_stamp` so that indexes stored by other code or data are not used), and the tails
are built reach by reach on first use (:class:`hazatlas.geo.paths.Tails`). Two look-ups that depend on the question are memoised here too:
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

    def __init__(
        self, network: RiverNetwork, stored: Mapping[str, np.ndarray] | None = None
    ) -> None:
        self.network = network
        self._stored = stored
        self._subsets: dict[tuple[int, ...], SegmentIndex] = {}
        self._events: dict[tuple[int, int, str], paths.KeyEvents] = {}

    @classmethod
    def attach(cls, network: RiverNetwork, stored: Mapping[str, np.ndarray]) -> NetworkIndex:
        """Make ``network.index`` read its snapping index and state runs from ``stored`` (the
        arrays of :func:`stored_arrays`, stamped :func:`index_stamp` - the caller checks the
        stamp) instead of building them. Before ``network.index`` is first used."""
        if "index" in network.__dict__:
            raise ValueError("the network's index is in use already")
        index = cls(network, stored)
        network.__dict__["index"] = index  # the cached_property's slot
        return index

    @property
    def stored(self) -> bool:
        """Whether the snapping index and the state runs are read from stored arrays."""
        return self._stored is not None

    @functools.cached_property
    def snap(self) -> snapping.SnapIndex:
        if self._stored is not None:
            return snapping.SnapIndex.from_arrays(_prefixed(self._stored, "snap."))
        return snapping.SnapIndex.build(self.network)

    @functools.cached_property
    def runs(self) -> paths.RiverRuns:
        if self._stored is not None:
            a = _prefixed(self._stored, "runs.")
            table = tuple(tuple(s.split(",")) if s else () for s in a["table"].tolist())
            return paths.RiverRuns.from_arrays(
                self.network.length_m, a["ptr"], a["start"], a["code"], table
            )
        return paths.RiverRuns.build(self.network, self.snap)

    @functools.cached_property
    def contacts(self) -> paths.Contacts:
        return riparian.place_contacts(self.network)

    @functools.cached_property
    def tails(self) -> paths.Tails:
        return paths.Tails(self.network, self.runs, self.contacts)

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
        code, _ = runs.state_codes()  # equal states, equal codes
        first = code[runs.ptr[:-1]]  # the state of each reach's first run
        passes = (np.diff(runs.ptr) == 1) & (down >= 0)
        passes[np.fromiter(contacts, dtype=np.int64, count=len(contacts))] = False
        passes &= first[np.maximum(down, 0)] == first
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


#: Version of what :func:`stored_arrays` holds and of the rules it is computed by; part of
#: :func:`index_stamp`. Raise it whenever the snapping index, the state runs or their layout
#: change, so that indexes stored before are not read as current ones.
INDEX_FORMAT = 1


@functools.cache
def index_stamp() -> str:
    """What the stored indexes depend on besides the network: :data:`INDEX_FORMAT`, the
    scipy version (the KD-tree's node layout), the constants of the snapping index and the
    state runs, and the SHA-256 of the country polygons and land borders the runs are
    computed from; a JSON text stored with them and compared on load."""
    import hashlib
    import json

    import scipy  # type: ignore[import-untyped]

    from hazatlas.domain.reference import data_path

    files = ("ne10m_admin0_countries_region.geojson", "land_borders_derived.geojson")
    data = {f: hashlib.sha256(data_path("geo", "boundaries", f).read_bytes()).hexdigest()[:16]
            for f in files}  # fmt: skip
    return json.dumps(
        {"index_format": INDEX_FORMAT, "scipy": scipy.__version__,
         "reach_spacing_m": snapping.REACH_SPACING_M,
         "border_tolerance_m": paths.BORDER_TOLERANCE_M,
         "min_border_run_m": paths.MIN_BORDER_RUN_M, "min_run_m": paths.MIN_RUN_M,
         "data": data},
        sort_keys=True,
    )  # fmt: skip


def stored_arrays(index: NetworkIndex) -> dict[str, np.ndarray]:
    """The snapping index and the state runs of ``index`` (built now if they are not) as
    plain arrays to store with the network (:meth:`NetworkIndex.attach` reads them back),
    with their stamp (``stamp``, :func:`index_stamp`)."""
    out = {f"snap.{k}": v for k, v in index.snap.arrays().items()}
    ptr, start, code, table = index.runs.arrays()
    if any("," in c for st in table for c in st):
        raise ValueError("a country code with a comma cannot be stored")
    out |= {"runs.ptr": ptr, "runs.start": start, "runs.code": code,
            "runs.table": np.array([",".join(st) for st in table], dtype=str)}  # fmt: skip
    out["stamp"] = np.array(index_stamp())
    return out


def _prefixed(a: Mapping[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    return {k[len(prefix) :]: v for k, v in a.items() if k.startswith(prefix)}
