"""Plausibility of a network's discharges and velocities: reaches whose flow or velocity falls
outside what their drainage length and the gauges allow.

Checks (each flag names its rule; the bounds are project choices, documented in
``docs/screening.md``):

* ``flows_not_ordered``: low, mean and high flow must differ, ``Q_low < Q_mean < Q_high`` and
  ``U_low < U_mean < U_high``. Equal values mean the discharge rule gave the reach nothing (the
  Mures before issue 14 had 0.22 m/s at every flow: the hydraulic geometry of ``Q = 0``).
* ``specific_discharge``: the mean flow per metre of river upstream (``Q_mean / drainage
  length``) lies outside ``[min / F, max * F]`` of the gauges' own yields
  (``Q_gauge / drainage length above the gauge``), with ``F = SPECIFIC_FACTOR``; a gauged
  reach is judged by the other gauges (a station value far from all others is suspect).
* ``velocity``: the mean velocity of a river reach (not a lake) lies outside
  ``[min / F_v, max * F_v]`` of the observed velocities of
  ``hydraulic_geometry_observations.csv``, with ``F_v = VELOCITY_FACTOR``.
* ``flow_falls_at_gauge``: at a gauge, the flow arriving from upstream exceeds the gauged flow
  by more than ``GAUGE_EXCESS`` (a losing river, or gauge series that do not agree: the flow
  falls there).

Without gauges (a user network whose file gives discharges uses them as gauges) the
specific-discharge check is skipped.

>>> from hazatlas.geo.network import RiverNetwork
>>> flags = check_network(RiverNetwork.load_default())
>>> {f.code for f in flags} <= set(CODES)
True
"""

from __future__ import annotations

import functools
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from hazatlas.domain.reference import load_table

if TYPE_CHECKING:
    from hazatlas.geo.network import RiverNetwork

CODES = ("flows_not_ordered", "specific_discharge", "velocity", "flow_falls_at_gauge")
#: Widening of the gauges' range of yields (project choice: drainage length is a crude proxy of
#: catchment area, so only values far outside the gauged range are flagged).
SPECIFIC_FACTOR = 3.0
#: Widening of the observed range of velocities (project choice).
VELOCITY_FACTOR = 2.0
#: Relative excess of the inflow over a gauge above which the fall is flagged (project choice).
GAUGE_EXCESS = 0.25

_CACHE: weakref.WeakKeyDictionary[Any, tuple[ReachFlag, ...]] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class ReachFlag:
    """One implausible value of one reach."""

    index: int
    reach_id: int
    code: str
    message: str

    def to_dict(self, net: RiverNetwork) -> dict[str, Any]:
        """JSON-ready, with the reach's name and its flows and velocities."""
        i = self.index
        river = net.attributes.get("river", net.name)[i] or net.name[i]
        flows = ("low", "mean", "high")
        return {
            "reach_id": self.reach_id,
            "reach_name": net.name[i],
            "river": river,
            "code": self.code,
            "message": self.message,
            "discharge_m3_s": {f: _r(net.hydraulics(f).discharge_m3_s[i]) for f in flows},
            "velocity_m_s": {f: _r(net.hydraulics(f).velocity_m_s[i]) for f in flows},
            "discharge_origin": str(net.discharge_origin()[i]),
        }


def _r(x: Any) -> float:
    return float(f"{float(x):.4g}")


@functools.cache
def observed_velocity_range() -> tuple[float, float]:
    """(min, max) of the reference velocities (m/s) of ``hydraulic_geometry_observations``."""
    v = [float(r["velocity_m_s"]) for r in load_table("hydraulic_geometry_observations")]
    return min(v), max(v)


def bounds(net: RiverNetwork) -> dict[str, Any]:
    """The limits the checks use on ``net`` (for reports)."""
    lo_v, hi_v = observed_velocity_range()
    out: dict[str, Any] = {
        "velocity_m_s": [lo_v / VELOCITY_FACTOR, hi_v * VELOCITY_FACTOR],
        "specific_discharge_m3_s_per_km": None,
        "gauge_excess": GAUGE_EXCESS,
    }
    d = net.discharges
    if d is not None and len(d.gauge_index):
        q = d.by_flow["mean"][d.gauge_index] / d.drainage_length_m[d.gauge_index] * 1000.0
        out["specific_discharge_m3_s_per_km"] = [
            float(q.min()) / SPECIFIC_FACTOR,
            float(q.max()) * SPECIFIC_FACTOR,
        ]
    return out


def check_network(net: RiverNetwork) -> tuple[ReachFlag, ...]:
    """Every flag of ``net`` (computed once per network)."""
    try:
        return _CACHE[net]
    except KeyError:
        pass
    flags = tuple(sorted(_check(net), key=lambda f: (f.index, CODES.index(f.code))))
    _CACHE[net] = flags
    return flags


def _check(net: RiverNetwork) -> list[ReachFlag]:
    hyd = {f: net.hydraulics(f) for f in ("low", "mean", "high")}
    q = {f: np.asarray(h.discharge_m3_s) for f, h in hyd.items()}
    v = {f: np.asarray(h.velocity_m_s) for f, h in hyd.items()}
    lake = ~np.isnan(net.lake_volume_m3)
    flags: list[ReachFlag] = []

    def add(mask: np.ndarray, code: str, text: Any) -> None:
        for i in np.flatnonzero(mask):
            flags.append(ReachFlag(int(i), int(net.reach_id[i]), code, text(int(i))))

    unordered = ~((q["low"] < q["mean"]) & (q["mean"] < q["high"]))
    unordered |= ~((v["low"] < v["mean"]) & (v["mean"] < v["high"]))
    add(
        unordered,
        "flows_not_ordered",
        lambda i: (
            f"low, mean and high flow do not differ: Q {q['low'][i]:.3g}/{q['mean'][i]:.3g}/"
            f"{q['high'][i]:.3g} m3/s, U {v['low'][i]:.3g}/{v['mean'][i]:.3g}/"
            f"{v['high'][i]:.3g} m/s"
        ),
    )
    limits = bounds(net)
    lo_v, hi_v = limits["velocity_m_s"]
    add(
        ~lake & ((v["mean"] < lo_v) | (v["mean"] > hi_v)),
        "velocity",
        lambda i: (
            f"mean velocity {v['mean'][i]:.3g} m/s outside {lo_v:.3g}-{hi_v:.3g} m/s (observed "
            f"river velocities widened by {VELOCITY_FACTOR:g})"
        ),
    )
    d = net.discharges
    if d is None:
        return flags
    if limits["specific_discharge_m3_s_per_km"] is not None:
        spec = q["mean"] / np.maximum(d.drainage_length_m, 1.0) * 1000.0
        lo_q = np.full(len(net), limits["specific_discharge_m3_s_per_km"][0])
        hi_q = np.full(len(net), limits["specific_discharge_m3_s_per_km"][1])
        gauges = np.asarray(d.gauge_index)
        if gauges.size > 1:  # a gauge is judged by the other gauges
            g_spec = spec[gauges]
            order = np.argsort(g_spec, kind="stable")
            low_other = np.full(gauges.size, g_spec[order[0]])
            low_other[order[0]] = g_spec[order[1]]
            high_other = np.full(gauges.size, g_spec[order[-1]])
            high_other[order[-1]] = g_spec[order[-2]]
            lo_q[gauges] = low_other / SPECIFIC_FACTOR
            hi_q[gauges] = high_other * SPECIFIC_FACTOR
        add(
            (spec < lo_q) | (spec > hi_q),
            "specific_discharge",
            lambda i: (
                f"mean flow {q['mean'][i]:.3g} m3/s for {d.drainage_length_m[i] / 1000:.0f} km "
                f"of river upstream = {spec[i]:.3g} m3/s per km, outside "
                f"{lo_q[i]:.3g}-{hi_q[i]:.3g} (the gauges' yields widened by "
                f"{SPECIFIC_FACTOR:g}; a gauge is judged by the others)"
            ),
        )
    g = np.zeros(len(net), dtype=bool)
    g[d.gauge_index] = True
    add(
        g & (d.inflow_m3_s > q["mean"] * (1.0 + GAUGE_EXCESS)),
        "flow_falls_at_gauge",
        lambda i: (
            f"{d.inflow_m3_s[i]:.4g} m3/s arrive from upstream but the gauge gives "
            f"{q['mean'][i]:.4g} m3/s: a losing river or gauge series that disagree"
        ),
    )
    return flags


def path_flags(net: RiverNetwork, reaches: np.ndarray) -> list[ReachFlag]:
    """The flags of the reaches of a path, in path order."""
    order = {int(r): k for k, r in enumerate(reaches)}
    hits = [f for f in check_network(net) if f.index in order]
    return sorted(hits, key=lambda f: order[f.index])


def report(net: RiverNetwork, systems: set[str] | None = None) -> dict[str, Any]:
    """The JSON report of ``hazatlas screen --check-network``: the limits and the flags
    (only reaches of the river systems ``systems``, folded names, when given)."""
    from hazatlas.geo.network import fold

    flags = check_network(net)
    if systems:
        sys_ = net.attributes.get("system") or ("",) * len(net)
        basin = net.attributes.get("basin") or ("",) * len(net)
        flags = tuple(
            f for f in flags if {fold(sys_[f.index]), fold(basin[f.index])} & systems
        )
    counts = {c: sum(1 for f in flags if f.code == c) for c in CODES}
    return {
        "network": net.source or "user",
        "reaches": len(net),
        "limits": bounds(net),
        "counts": counts,
        "flags": [f.to_dict(net) for f in flags],
        "notes": list(net.notes),
    }
