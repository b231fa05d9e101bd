"""Per-reach hydraulics: discharge from gauges, hydraulic geometry and longitudinal dispersion.

Rules (all documented in ``docs/screening.md``):

* **Discharge** (:func:`assign_discharge`). Gauged values are placed on reaches; between gauges
  the flow grows with the *ungauged upstream drainage length*: along a reach the flow gains
  ``q`` (m3/s per m of river) times its length, and at a confluence the flows add up. ``q`` comes
  from the next gauge downstream: its residual specific discharge
  ``q_res = (Q_gauge - sum of gauged inflows) / ungauged length above the gauge`` (clipped at
  0 for losing rivers) on the reaches that have a gauge upstream of them (the gauged main stem),
  and ``max(q_res, q_basin)`` on the reaches of sub-basins without any gauge (ungauged
  tributaries), where ``q_basin = Q_gauge / whole drainage length above the gauge`` is the
  gauge's mean yield. So a tributary such as the Mures still gets its share when the gauges
  above the next gauge downstream already explain (or more than explain) its flow; the gauge
  itself is reproduced exactly, and where the inflows exceed it the flow falls there (reported by
  :func:`hazatlas.geo.plausibility.check_network`). Reaches with no gauge downstream use the
  median tributary ``q`` of all gauges. The rule reproduces every gauge exactly and is
  continuous at confluences.
* **Hydraulic geometry** (:func:`geometry_for_discharge`): downstream hydraulic geometry of
  Leopold & Maddock (1953), ``w = a Q^b``, ``d = c Q^f``, ``v = k Q^m`` with the exponents of
  ``hydraulic_geometry.csv`` and the coefficients ``k`` and ``a`` fitted (least squares in log
  space) to the reference velocities and widths of ``hydraulic_geometry_observations.csv``;
  ``c = 1/(a k)`` so that ``w d v = Q``. This fixes each reach's geometry at its *mean*
  discharge; low and high flows at the same reach follow the at-a-station exponents
  (:func:`geometry_at_station`).
* **Dispersion** (:func:`dispersion_coefficient`): Fischer (1975) by default; Elder (1959),
  Liu (1977), Seo & Cheong (1998), Deng et al. (2001), Kashefipour & Falconer (2002) and
  Disley et al. (2015) are selectable (``river_dispersion_coefficient_formulas.csv``). The shear
  velocity ``u* = sqrt(g R S)`` needs a slope that Natural Earth does not have; it is obtained
  from Manning's equation, ``u* = n U sqrt(g) / R^(1/6)``, with ``R ~ H`` (wide channel).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from hazatlas.domain.errors import HazatlasError
from hazatlas.domain.reference import load_table

DISPERSION_METHODS = (
    "fischer1975",
    "elder1959",
    "liu1977",
    "seo_cheong1998",
    "deng2001",
    "kashefipour_falconer2002",
    "disley2015",
)


@dataclass(frozen=True)
class GeometryCoefficients:
    """``w = a Q^b``, ``d = c Q^f``, ``v = k Q^m`` (SI) plus Manning's n and g."""

    a: float
    b: float
    c: float
    f: float
    k: float
    m: float
    manning_n: float
    g: float
    station_b: float = 0.26
    station_f: float = 0.40
    station_m: float = 0.34


@functools.cache
def geometry_coefficients() -> GeometryCoefficients:
    """Exponents from Leopold & Maddock (1953); ``k`` and ``a`` fitted to the observations.

    >>> gc = geometry_coefficients()
    >>> round(gc.b + gc.f + gc.m, 6)
    1.0
    >>> abs(gc.a * gc.c * gc.k - 1.0) < 1e-12
    True
    """
    par = {r["parameter"]: float(r["value"]) for r in load_table("hydraulic_geometry")}
    b, f, m = par["width_exponent_b"], par["depth_exponent_f"], par["velocity_exponent_m"]
    obs = load_table("hydraulic_geometry_observations")
    q = np.array([float(r["discharge_m3_s"]) for r in obs])
    v = np.array([float(r["velocity_m_s"]) for r in obs])
    k = float(np.exp(np.mean(np.log(v) - m * np.log(q))))
    with_w = [(float(r["discharge_m3_s"]), float(r["width_m"])) for r in obs if r["width_m"]]
    qw = np.array(with_w)
    a = float(np.exp(np.mean(np.log(qw[:, 1]) - b * np.log(qw[:, 0]))))
    return GeometryCoefficients(
        a=a,
        b=b,
        c=1.0 / (a * k),
        f=f,
        k=k,
        m=m,
        manning_n=par["manning_n"],
        g=par["gravity_m_s2"],
        station_b=par["station_width_exponent"],
        station_f=par["station_depth_exponent"],
        station_m=par["station_velocity_exponent"],
    )


def geometry_for_discharge(
    discharge_m3_s: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Width, depth and velocity (m, m, m/s) by downstream hydraulic geometry.

    Eq. ``w = a Q^b``, ``d = c Q^f``, ``v = k Q^m``, Leopold & Maddock (1953).

    >>> w, d, v = geometry_for_discharge(np.array([1000.0]))
    >>> bool(abs(w[0] * d[0] * v[0] - 1000.0) < 1e-6)
    True
    """
    gc = geometry_coefficients()
    q = np.maximum(np.asarray(discharge_m3_s, dtype=float), 1e-3)
    return gc.a * q**gc.b, gc.c * q**gc.f, gc.k * q**gc.m


def geometry_at_station(
    discharge_m3_s: np.ndarray, mean_discharge_m3_s: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Width, depth, velocity at a reach for any flow: the downstream relation at the reach's
    mean discharge, varied with the at-a-station exponents of Leopold & Maddock (1953)
    (``w ~ Q^0.26``, ``d ~ Q^0.40``, ``v ~ Q^0.34``).

    >>> w, d, v = geometry_at_station(np.array([500.0]), np.array([1000.0]))
    >>> bool(abs(w[0] * d[0] * v[0] - 500.0) < 1e-6)
    True
    """
    gc = geometry_coefficients()
    qm = np.maximum(np.asarray(mean_discharge_m3_s, dtype=float), 1e-3)
    ratio = np.maximum(np.asarray(discharge_m3_s, dtype=float), 1e-3) / qm
    w0, d0, v0 = geometry_for_discharge(qm)
    return w0 * ratio**gc.station_b, d0 * ratio**gc.station_f, v0 * ratio**gc.station_m


def shear_velocity(velocity_m_s: np.ndarray, depth_m: np.ndarray) -> np.ndarray:
    """``u* = sqrt(g R S)`` with ``S`` from Manning: ``u* = n U sqrt(g) / R^(1/6)``, ``R ~ H``."""
    gc = geometry_coefficients()
    u = np.asarray(velocity_m_s, dtype=float)
    out: np.ndarray = gc.manning_n * u * np.sqrt(gc.g) / np.asarray(depth_m, dtype=float) ** (1 / 6)
    return out


def dispersion_coefficient(
    velocity_m_s: np.ndarray,
    width_m: np.ndarray,
    depth_m: np.ndarray,
    method: str = "fischer1975",
    shear_velocity_m_s: np.ndarray | None = None,
) -> np.ndarray:
    """Longitudinal dispersion coefficient K (m2/s) by a published formula.

    Formulas as in ``river_dispersion_coefficient_formulas.csv`` (U mean velocity, B width,
    H depth, u* shear velocity): Fischer (1975) ``0.011 U^2 B^2 / (H u*)``; Elder (1959)
    ``5.93 H u*``; Liu (1977) ``0.18 (B/H)^2 (U/u*)^0.5 H u*``; Seo & Cheong (1998)
    ``5.915 (B/H)^0.620 (U/u*)^1.428 H u*``; Deng et al. (2001); Kashefipour & Falconer (2002);
    Disley et al. (2015).

    >>> k = dispersion_coefficient(np.array([1.0]), np.array([100.0]), np.array([5.0]),
    ...                            shear_velocity_m_s=np.array([0.1]))
    >>> float(k[0])  # 0.011 * 1 * 100**2 / (5 * 0.1)
    220.0
    """
    u = np.asarray(velocity_m_s, dtype=float)
    b = np.asarray(width_m, dtype=float)
    h = np.asarray(depth_m, dtype=float)
    us = shear_velocity(u, h) if shear_velocity_m_s is None else np.asarray(shear_velocity_m_s)
    bh, uu = b / h, u / us
    k: np.ndarray
    if method == "fischer1975":
        k = 0.011 * u**2 * b**2 / (h * us)
    elif method == "elder1959":
        k = 5.93 * h * us
    elif method == "liu1977":
        k = 0.18 * bh**2 * uu**0.5 * h * us
    elif method == "seo_cheong1998":
        k = 5.915 * bh**0.620 * uu**1.428 * h * us
    elif method == "deng2001":
        eps_t = 0.145 + (1 / 3520) * uu * bh**1.38
        k = (0.15 / (8 * eps_t)) * bh ** (5 / 3) * uu**2 * h * us
    elif method == "kashefipour_falconer2002":
        wide = 10.612 * h * u * uu
        narrow = (7.428 + 1.775 * bh**0.62 * (1 / uu) ** 0.572) * uu * h * u
        k = np.where(bh > 50, wide, narrow)
    elif method == "disley2015":
        fr = u / np.sqrt(geometry_coefficients().g * h)
        k = 3.563 * fr**-0.4117 * bh**0.6776 * uu**1.0132 * h * us
    else:
        raise HazatlasError(
            f"unknown dispersion method {method!r}; expected one of {', '.join(DISPERSION_METHODS)}"
        )
    return k


def levels(downstream: np.ndarray) -> np.ndarray:
    """Number of reaches between each reach and its outlet (0 at an outlet)."""
    n = len(downstream)
    level = np.zeros(n, dtype=np.int64)
    has_down = downstream >= 0
    for _ in range(n + 1):
        new = np.where(has_down, level[np.where(has_down, downstream, 0)] + 1, 0)
        if np.array_equal(new, level):
            return level
        level = new
    raise HazatlasError("the river network has a cycle (next_down never reaches an outlet)")


def level_groups(level: np.ndarray) -> list[np.ndarray]:
    """Reach indices grouped by level, from the most upstream level to the outlets."""
    order = np.argsort(-level, kind="stable")
    lv = level[order]
    cuts = np.flatnonzero(np.diff(lv)) + 1
    return np.split(order, cuts)


@dataclass(frozen=True)
class DischargeResult:
    discharge_m3_s: np.ndarray
    origin: np.ndarray  # "gauged" | "interpolated" | "default"
    #: specific discharge (m3/s per m of river) each reach gains along its length
    specific_m3_s_per_m: np.ndarray
    #: flow entering each reach from upstream (sum of the upstream reaches' discharges)
    inflow_m3_s: np.ndarray
    #: whole river length upstream of each reach's downstream end, itself included (m)
    drainage_length_m: np.ndarray


def assign_discharge(
    downstream: np.ndarray,
    length_m: np.ndarray,
    groups: list[np.ndarray],
    gauge_index: np.ndarray,
    gauge_q: np.ndarray,
    default_q_per_m: float | None = None,
) -> DischargeResult:
    """Flow at the downstream end of every reach from gauged flows (rule in the module doc).

    ``groups`` are the level groups (upstream first); ``gauge_index``/``gauge_q`` the gauged
    reaches and their flows. One pass upstream -> downstream for the gauges' specific
    discharges, one pass back to hand them upstream, one pass down to add up the flows.

    >>> down = np.array([2, 2, 3, -1])            # reaches 0 and 1 join in 2, then 3
    >>> groups = [np.array([0, 1]), np.array([2]), np.array([3])]
    >>> r = assign_discharge(down, np.full(4, 1000.0), groups, np.array([0, 3]),
    ...                      np.array([10.0, 10.5]))
    >>> [round(float(q), 2) for q in r.discharge_m3_s]   # the tributary 1 is not starved
    [10.0, 2.62, 12.79, 10.5]
    """
    n = len(downstream)
    is_g = np.zeros(n, dtype=bool)
    qg = np.zeros(n)
    is_g[gauge_index] = True
    qg[gauge_index] = gauge_q
    g_in, u_in, t_in = np.zeros(n), np.zeros(n), np.zeros(n)
    g_out, u_out, t_out = np.zeros(n), np.zeros(n), np.zeros(n)
    q_res = np.full(n, np.nan)
    q_basin = np.full(n, np.nan)
    for idx in groups:
        gi = idx[is_g[idx]]
        q_res[gi] = np.maximum(qg[gi] - g_in[gi], 0.0) / (u_in[gi] + length_m[gi])
        q_basin[gi] = qg[gi] / (t_in[gi] + length_m[gi])
        g_out[idx] = np.where(is_g[idx], qg[idx], g_in[idx])
        u_out[idx] = np.where(is_g[idx], 0.0, u_in[idx] + length_m[idx])
        t_out[idx] = t_in[idx] + length_m[idx]
        d = downstream[idx]
        ok = d >= 0
        np.add.at(g_in, d[ok], g_out[idx][ok])
        np.add.at(u_in, d[ok], u_out[idx][ok])
        np.add.at(t_in, d[ok], t_out[idx][ok])
    tributary_q = np.fmax(q_res, q_basin)  # per gauge: what an ungauged sub-basin yields
    if default_q_per_m is None:
        gauged = tributary_q[is_g]
        default_q_per_m = float(np.median(gauged)) if len(gauged) else 0.0
    origin = np.where(is_g, "gauged", "default").astype("<U12")
    for idx in reversed(groups):  # outlets first: hand each gauge's values upstream
        todo = idx[~is_g[idx]]
        d = downstream[todo]
        has = (d >= 0) & ~np.isnan(q_res[np.where(d >= 0, d, 0)])
        q_res[todo[has]] = q_res[d[has]]
        tributary_q[todo[has]] = tributary_q[d[has]]
        origin[todo[has]] = "interpolated"
    undefined = np.isnan(q_res)
    q_res[undefined] = default_q_per_m
    tributary_q[undefined] = default_q_per_m
    # reaches fed by gauges but with no gauge downstream are still interpolated upwards of data
    origin[undefined & (g_out > 0)] = "interpolated"
    q_local = np.where(g_out > 0, q_res, tributary_q)
    q_local[is_g] = np.nan  # a gauge's own flow is given
    flow_in, flow = np.zeros(n), np.zeros(n)
    for idx in groups:
        flow[idx] = np.where(is_g[idx], qg[idx], flow_in[idx] + q_local[idx] * length_m[idx])
        d = downstream[idx]
        ok = d >= 0
        np.add.at(flow_in, d[ok], flow[idx][ok])
    q_local[is_g] = tributary_q[is_g]
    return DischargeResult(flow, origin, q_local, flow_in, t_out)
