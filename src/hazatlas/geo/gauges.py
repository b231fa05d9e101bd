"""Discharge of every reach of a network for low, mean and high flow, from gauges.

Gauges are the network file's ``discharge_m3_s`` values where the file has any (origin
``user``), else the bundled ``river_gauges.csv`` stations snapped to the network: a station
takes the nearest reach of its river (the reach's name or main-stem name ``river`` is the
station's river or one of its aliases) within 15 km, else the nearest *unnamed* reach within
5 km (Natural Earth leaves stretches of the Tisza unnamed). A reach named after another river is
never taken: a station on a tributary the network lacks (the Kara Darya or the Chirchik on a
network without their schematic reaches) is left out with a note rather than put on the main stem it joins. Low and high flows at gauges without their own values are the mean times the
low/mean and high/mean ratios of the gauges that give all three. Between and above gauges the
discharge follows the rule of :func:`hazatlas.geo.hydraulics.assign_discharge`; a network other
than the bundled one uses, where no gauge is downstream, the median residual specific
discharge of the bundled network's gauges. A network whose reaches carry ``branch_of`` and
``branch_share`` (the bundled one, ``river_distributaries.csv``) then splits the flow at its
forks (:func:`hazatlas.geo.distributaries.split_discharges`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np

from hazatlas.domain.reference import load_table
from hazatlas.geo import hydraulics as hy
from hazatlas.geo.distributaries import split_discharges

if TYPE_CHECKING:
    from hazatlas.geo.network import RiverNetwork

#: ``RiverNetwork.source`` of the bundled network (:mod:`hazatlas.geo.bundled`).
BUNDLED_SOURCE = "bundled:ne10m_river_network"
#: A station is placed on a reach of its own river within this distance ...
GAUGE_NAMED_M = 15_000.0
#: ... else on the nearest reach within this distance.
GAUGE_NEAREST_M = 5_000.0


@dataclass(frozen=True)
class Discharges:
    """Discharge (m3/s) per flow at each reach's downstream end, and where it comes from."""

    by_flow: Mapping[str, np.ndarray]  # "low", "mean", "high" -> (n,) read-only
    origin: np.ndarray  # gauged | interpolated | default | user, of the mean flow
    notes: tuple[str, ...]  # gauges that could not be placed
    #: median specific discharge of ungauged tributaries (m3/s per m) at the gauges; nan
    #: without gauges
    gauged_specific_m3_s_per_m: float
    #: mean flow entering each reach from upstream (m3/s)
    inflow_m3_s: np.ndarray
    #: river length upstream of each reach's downstream end, itself included (m)
    drainage_length_m: np.ndarray
    #: indices of the gauged reaches
    gauge_index: np.ndarray


@dataclass(frozen=True)
class _Gauges:
    index: np.ndarray
    by_flow: dict[str, np.ndarray]
    label: str
    notes: tuple[str, ...]


def assign_discharges(net: RiverNetwork) -> Discharges:
    """Discharge per flow of every reach of ``net`` (rule in the module doc)."""
    from hazatlas.geo.network import FLOWS, readonly

    gauges = _gauges(net)
    low_r, high_r = flow_ratios()
    bundled = net.source == BUNDLED_SOURCE
    default = None if bundled else default_specific_discharge()
    scale = {"low": low_r, "mean": 1.0, "high": high_r}
    by_flow: dict[str, np.ndarray] = {}
    origin = np.zeros(0, dtype="<U12")
    specific = float("nan")
    inflow = drainage = np.zeros(0)
    flows: dict[str, np.ndarray] = {}
    for flow in FLOWS:
        dflt = None if default is None else default * scale[flow]
        res = hy.assign_discharge(
            net.downstream, net.length_m, list(net.groups), gauges.index, gauges.by_flow[flow], dflt
        )
        flows[flow] = res.discharge_m3_s.copy()
        if flow == "mean":
            origin = res.origin.astype("<U12")
            origin[origin == "gauged"] = gauges.label
            inflow, drainage = res.inflow_m3_s.copy(), res.drainage_length_m.copy()
            if len(gauges.index):
                specific = float(np.median(res.specific_m3_s_per_m[gauges.index]))
    if "branch_of" in net.attributes:  # forks (hazatlas.geo.distributaries)
        gauged = np.zeros(len(net), dtype=bool)
        gauged[gauges.index] = True
        pairs = [(inflow, flows["mean"]), (drainage, drainage)]
        pairs += [(flows[f], flows[f]) for f in FLOWS]
        shifted = split_discharges(
            net.downstream, net.level, net.reach_id, net.attributes["branch_of"],
            net.attributes["branch_share"], gauged, pairs,
        )  # fmt: skip
        origin[shifted[origin[shifted] == "default"]] = "interpolated"
    for flow in FLOWS:
        by_flow[flow] = readonly(flows[flow])
    return Discharges(
        MappingProxyType(by_flow),
        readonly(origin),
        gauges.notes,
        specific,
        readonly(inflow),
        readonly(drainage),
        readonly(np.asarray(gauges.index, dtype=np.int64)),
    )


def _gauges(net: RiverNetwork) -> _Gauges:
    low_r, high_r = flow_ratios()
    user_q = net.user_values["discharge_m3_s"]
    given = ~np.isnan(user_q)
    if given.any():
        mean = user_q[given]
        flows = {"low": mean * low_r, "mean": mean, "high": mean * high_r}
        return _Gauges(np.flatnonzero(given), flows, "user", ())
    return _snap_gauges(net)


@functools.cache
def flow_ratios() -> tuple[float, float]:
    """(low/mean, high/mean): median over gauges that give all three (Achleiten MNQ/MQ, MHQ/MQ)."""
    lows, highs = [], []
    for row in load_table("river_gauges"):
        if row["low_m3_s"] and row["high_m3_s"]:
            mean = float(row["mean_m3_s"])
            lows.append(float(row["low_m3_s"]) / mean)
            highs.append(float(row["high_m3_s"]) / mean)
    return float(np.median(lows)), float(np.median(highs))


def _snap_gauges(net: RiverNetwork) -> _Gauges:
    from hazatlas.geo.network import fold
    from hazatlas.geo.snapping import snap_candidates

    low_r, high_r = flow_ratios()
    idx: list[int] = []
    mean: list[float] = []
    low: list[float] = []
    high: list[float] = []
    notes: list[str] = []
    mains = net.attributes.get("river", ("",) * len(net))
    for row in load_table("river_gauges"):
        aliases = {fold(a) for a in row["name_aliases"].split("|")} | {fold(row["river"])}
        cands = snap_candidates(net, float(row["lon"]), float(row["lat"]), GAUGE_NAMED_M)
        names = [(i, d, {fold(net.name[i]), fold(str(mains[i]))} - {""}) for i, d in cands]
        named = [(d, i) for i, d, nm in names if nm & aliases]
        near = [(d, i) for i, d, nm in names if d <= GAUGE_NEAREST_M and not nm]
        pick = min(named) if named else (min(near) if near else None)
        if pick is None:
            notes.append(
                f"gauge {row['gauge_id']} matched no reach of the {row['river']} within 15 km "
                "(nor an unnamed reach within 5 km)"
            )
            continue
        if pick[1] in idx:
            notes.append(f"gauge {row['gauge_id']} shares a reach with another gauge; skipped")
            continue
        q = float(row["mean_m3_s"])
        idx.append(pick[1])
        mean.append(q)
        low.append(float(row["low_m3_s"]) if row["low_m3_s"] else q * low_r)
        high.append(float(row["high_m3_s"]) if row["high_m3_s"] else q * high_r)
    flows = {"low": np.array(low), "mean": np.array(mean), "high": np.array(high)}
    return _Gauges(np.array(idx, dtype=np.int64), flows, "gauged", tuple(notes))


def default_specific_discharge() -> float:
    """Median residual specific discharge (m3/s per m of river) of the bundled gauges."""
    from hazatlas.geo.bundled import default_network

    discharges = default_network().discharges
    assert discharges is not None  # the bundled network is built with its discharges
    return discharges.gauged_specific_m3_s_per_m
