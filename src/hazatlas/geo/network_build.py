"""Building a river network that a user brings (HydroRIVERS, OpenStreetMap) as arrays.

A :class:`ReachTable` holds the reaches of a file as columns (ids, ``next_down`` ids, all
vertices in one flat coordinate array with per-reach offsets, names, lengths and discharges
where the file has them); :func:`check` finds every problem that would make it a bad network
(duplicate ids, a ``next_down`` that is not in the file, a reach without a line, a cycle in
the flow direction) and names the reach by the file's own identifier (``HYRIV_ID``, OSM way);
:func:`build` gives the :class:`BuiltNetwork` (downstream indices, lengths, lake volumes)
that is stored, and :func:`to_network` the :class:`~hazatlas.geo.network.RiverNetwork` it
loads as. Nothing here loops over reaches in Python: a million reaches build in seconds
(``benchmarks/network_build.py``).

Lengths: the file's length where it gives one (HydroRIVERS ``LENGTH_KM``, measured on the
lines HydroRIVERS was derived from), else the geodesic length of the line on WGS 84 (pyproj
``Geod``, Karney 2013), as for every other network. Lakes: the rule of
:mod:`hazatlas.geo.lakes` (Natural Earth lakes), computed once at build time and stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import shapely  # type: ignore[import-untyped]

from hazatlas.domain.errors import HazatlasError, Problem, ValidationError
from hazatlas.geo._geodesy import GEOD
from hazatlas.geo.network_topology import cycle_members, levels

if TYPE_CHECKING:
    from hazatlas.geo.network import RiverNetwork

#: At most this many problems of one kind are listed (the count of the rest is given).
MAX_LISTED = 10


@dataclass(frozen=True)
class ReachTable:
    """The reaches of a network file as columns (``n`` reaches, ``m`` vertices).

    ``element`` is the file's identifier of each reach for messages (``element_label``:
    ``HYRIV_ID``, ``way``); ``next_down`` holds reach ids, 0 for an outlet; ``length_m`` and
    ``discharge_m3_s`` are NaN where the file gives none.
    """

    source: str
    reach_id: np.ndarray  # (n,) int64
    next_down: np.ndarray  # (n,) int64 reach ids, 0 = outlet
    coords: np.ndarray  # (m, 2) float64 lon, lat; reach i is coords[offsets[i]:offsets[i+1]]
    offsets: np.ndarray  # (n + 1,) int64
    name: np.ndarray  # (n,) str
    length_m: np.ndarray  # (n,) float64, NaN = measure the line
    discharge_m3_s: np.ndarray  # (n,) float64, NaN = none
    element: np.ndarray  # (n,) int64, the file's identifier of the reach
    element_label: str = "reach_id"
    next_down_label: str = "next_down"
    notes: tuple[str, ...] = field(default=())

    def __len__(self) -> int:
        return len(self.reach_id)

    def describe(self, i: int) -> str:
        return f"{self.element_label} {int(self.element[i])}"


@dataclass(frozen=True)
class BuiltNetwork:
    """A checked network as it is stored: the table's columns plus ``downstream`` (index,
    -1 at an outlet), ``length_m`` (every reach) and ``lake_volume_m3`` (NaN unless a lake
    reach)."""

    table: ReachTable
    downstream: np.ndarray
    length_m: np.ndarray
    lake_volume_m3: np.ndarray

    def summary(self) -> dict[str, object]:
        """Counts and totals for ``network show``."""
        n = len(self.downstream)
        lon, lat = self.table.coords[:, 0], self.table.coords[:, 1]
        outlets = int((self.downstream < 0).sum())
        lv = levels(self.downstream) if n else np.zeros(0, dtype=np.int64)
        return {
            "reaches": n,
            "outlets": outlets,
            "length_km": round(float(self.length_m.sum()) / 1000.0, 1),
            "max_reaches_to_outlet": int(lv.max()) + 1 if n else 0,
            "lake_reaches": int((~np.isnan(self.lake_volume_m3)).sum()),
            "reaches_with_discharge": int((~np.isnan(self.table.discharge_m3_s)).sum()),
            "named_reaches": int((self.table.name != "").sum()),
            "bbox": [round(float(v), 5) for v in (lon.min(), lat.min(), lon.max(), lat.max())]
            if len(lon)
            else None,
        }


def _listed(table: ReachTable, field_: str, idx: np.ndarray, what: str) -> list[Problem]:
    out = [Problem(table.source, None, field_, f"{table.describe(int(i))}: {what}")
           for i in idx[:MAX_LISTED]]  # fmt: skip
    if len(idx) > MAX_LISTED:
        out.append(Problem(table.source, None, field_, f"... and {len(idx) - MAX_LISTED} more"))
    return out


def downstream_index(table: ReachTable) -> tuple[np.ndarray, list[Problem]]:
    """Index of each reach's ``next_down`` (-1 for 0) and the problems with the ids."""
    problems: list[Problem] = []
    ids = table.reach_id
    order = np.argsort(ids, kind="stable")
    sorted_ids = ids[order]
    dup = np.flatnonzero(sorted_ids[1:] == sorted_ids[:-1])
    if len(dup):
        problems += _listed(table, table.element_label, order[dup + 1], "the id is not unique")
    nd = table.next_down
    pos = np.clip(np.searchsorted(sorted_ids, nd), 0, max(len(ids) - 1, 0))
    found = (nd != 0) & (len(ids) > 0)
    found &= sorted_ids[pos] == nd if len(ids) else found
    missing = np.flatnonzero((nd != 0) & ~found)
    if len(missing):
        problems += _listed(
            table,
            table.next_down_label,
            missing,
            "flows to a reach that is not in the file (a disconnected piece: the file is cut "
            "through a river; take whole basins, or set the outlet's "
            f"{table.next_down_label} to 0)",
        )
    down = np.where(found, order[pos], -1).astype(np.int64)
    self_loop = np.flatnonzero(down == np.arange(len(ids)))
    if len(self_loop):
        problems += _listed(table, table.next_down_label, self_loop, "flows into itself")
    return down, problems


def _line_problems(table: ReachTable) -> list[Problem]:
    problems: list[Problem] = []
    counts = np.diff(table.offsets)
    short = np.flatnonzero(counts < 2)
    if len(short):
        problems += _listed(table, "geometry", short, "expected a line of at least two points")
    xy = table.coords
    bad_pt = ~np.isfinite(xy).all(axis=1) | (np.abs(xy[:, 0]) > 180) | (np.abs(xy[:, 1]) > 90)
    if bad_pt.any():
        reach = np.unique(np.searchsorted(table.offsets, np.flatnonzero(bad_pt), side="right") - 1)
        problems += _listed(
            table, "geometry", reach, "coordinates outside WGS 84 longitude/latitude"
        )
    given = ~np.isnan(table.length_m)
    bad_len = np.flatnonzero(given & ~(table.length_m > 0))
    if len(bad_len):
        problems += _listed(table, "LENGTH_KM", bad_len, "the length must be positive")
    q = table.discharge_m3_s
    bad_q = np.flatnonzero(~np.isnan(q) & ~(q >= 0))
    if len(bad_q):
        problems += _listed(table, "DIS_AV_CMS", bad_q, "the discharge must be 0 or more")
    return problems


def check(table: ReachTable) -> np.ndarray:
    """The downstream index of a valid table; raises :class:`ValidationError` with every
    problem (each naming the file, the field and the reach) otherwise."""
    if len(table) == 0:
        raise ValidationError(
            [Problem(table.source, None, "geometry", "no river reaches in the file")]
        )
    down, problems = downstream_index(table)
    problems += _line_problems(table)
    if problems:
        raise ValidationError(problems)
    try:
        levels(down)
    except HazatlasError:
        cycle = np.array(cycle_members(down), dtype=np.int64)
        path = " -> ".join(table.describe(int(i)) for i in cycle[:MAX_LISTED])
        raise ValidationError(
            [
                Problem(
                    table.source,
                    None,
                    table.next_down_label,
                    f"the flow direction has a cycle: {path}"
                    f"{' ...' if len(cycle) > MAX_LISTED else ''} -> "
                    f"{table.describe(int(cycle[0]))}",
                )
            ]
        ) from None
    return down


def geodesic_lengths(coords: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Geodesic length (m) of every line of a flat coordinate array, vectorised."""
    n = len(offsets) - 1
    if len(coords) < 2:
        return np.zeros(n)
    _, _, seg = GEOD.inv(coords[:-1, 0], coords[:-1, 1], coords[1:, 0], coords[1:, 1])
    seg = np.asarray(seg, dtype=float)
    seg[offsets[1:-1] - 1] = 0.0  # the step from one reach's last vertex to the next's first
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    last = np.maximum(offsets[1:] - 1, offsets[:-1])
    return np.asarray(cum[last] - cum[offsets[:-1]])


def lines(coords: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """One shapely LineString per reach (vectorised)."""
    counts = np.diff(offsets)
    return np.asarray(
        shapely.linestrings(coords, indices=np.repeat(np.arange(len(counts)), counts))
    )


def build(table: ReachTable, with_lakes: bool = True) -> BuiltNetwork:
    """Check ``table`` and derive what is stored (rule in the module doc)."""
    down = check(table)
    length = table.length_m.copy()
    measure = np.isnan(length)
    if measure.any():
        length[measure] = geodesic_lengths(table.coords, table.offsets)[measure]
    lakes = np.full(len(table), np.nan)
    if with_lakes:
        from hazatlas.geo.lakes import lake_volumes

        lakes = lake_volumes(list(lines(table.coords, table.offsets)))
    return BuiltNetwork(table, down, length, lakes)


def to_network(
    built: BuiltNetwork,
    source: str,
    attributes: dict[str, tuple[object, ...]] | None = None,
    dispersion_method: str = "fischer1975",
    index_arrays: Mapping[str, np.ndarray] | None = None,
    assign: bool = True,
) -> RiverNetwork:
    """The :class:`RiverNetwork` of a built network: the file's discharges are its gauges
    (origin ``user``, rule in :mod:`hazatlas.geo.gauges`), hydraulics as for every network;
    its snapping index and state runs read from ``index_arrays`` if given (stored with it,
    :func:`hazatlas.geo.network_index.stored_arrays`; the caller checks their stamp);
    ``assign=False``: without discharges and hydraulics (what the indexes do not need)."""
    from hazatlas.geo.network import RiverNetwork

    t = built.table
    return RiverNetwork(
        t.reach_id,
        built.downstream,
        built.length_m,
        t.name.tolist(),
        lines(t.coords, t.offsets).tolist(),
        user_values={"discharge_m3_s": t.discharge_m3_s},
        attributes=attributes,
        lake_volume_m3=built.lake_volume_m3,
        dispersion_method=dispersion_method,
        source=source,
        notes=t.notes,
        index_arrays=index_arrays,
        assign=assign,
    )
