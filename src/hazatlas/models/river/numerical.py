"""Reference numerical solver of the same river problem (finite volumes on a fine grid).

It exists to verify the analytical moments model of :mod:`.spill` and to time it against; it is
not used by the alarm service. Scheme (cell masses, conservative, Strang splitting per step):

* advection: MUSCL reconstruction with the van Leer limiter (van Leer 1979), second-order SSP
  Runge-Kutta in time (Shu & Osher 1988), upwind fluxes Q_j C_face; a discharge increase between
  two cells is a clean lateral inflow, so mass is conserved and the concentration is diluted;
* dispersion: Crank-Nicolson on half steps (Crank & Nicolson 1947), face coefficient
  (A K) harmonic mean / distance between centres; none into or out of a lake cell;
* lakes: one completely mixed cell of volume V (Levenspiel 1999, ch. 11);
* transient storage: exact solution of the linear exchange C <-> C_s over a step
  (Bencala & Walters 1983 form, dC/dt = alpha (C_s - C), dC_s/dt = alpha A/A_s (C - C_s));
* first-order decay: exact factor exp(-k dt) in both zones.

An upstream buffer (default 30 K/U of the first element) lets mass disperse against the flow as
in the infinite-domain solution; its upstream end is closed, the outlet is a free outflow.

>>> from hazatlas.models.river.path import RiverPath
>>> from hazatlas.models.river.spill import Release
>>> grid = build_grid(RiverPath.uniform(60_000.0, 1.0, 50.0, 100.0), dx_m=100.0)
>>> c = solve(grid, Release(1000.0), [50_000.0], np.arange(0.0, 80_000.0, 100.0))
>>> round(float(c.max()) * 1e3, 2)   # mg/l; analytical 1.78
1.78
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.linalg import solve_banded  # type: ignore[import-untyped]

from hazatlas.models.river.path import RiverPath
from hazatlas.models.river.spill import Release


@dataclass(frozen=True)
class Grid:
    """Cells along the path: centres (m from the source; negative in the upstream buffer)."""

    centre_m: np.ndarray
    dx_m: np.ndarray
    volume_m3: np.ndarray
    discharge_m3_s: np.ndarray
    velocity_m_s: np.ndarray
    face_conductance_m3_s: np.ndarray  # (n-1,) (A K)_face / distance between centres
    is_lake: np.ndarray
    storage_ratio: np.ndarray
    exchange_per_s: np.ndarray
    source_cell: int
    element_end_m: np.ndarray
    element_first_cell: np.ndarray


def build_grid(path: RiverPath, dx_m: float, upstream_buffer_m: float | None = None) -> Grid:
    """Cut each river element into cells of about ``dx_m``; each lake into one cell."""
    L, U, K, Q = path.length_m, path.velocity_m_s, path.dispersion_m2_s, path.discharge_m3_s
    if upstream_buffer_m is None:
        upstream_buffer_m = 0.0 if path.is_lake[0] else 30.0 * K[0] / U[0]
    nbuf = int(math.ceil(upstream_buffer_m / dx_m))
    counts = np.where(path.is_lake, 1, np.maximum(1, np.ceil(L / dx_m - 1e-9).astype(int)))
    elem = np.concatenate([np.zeros(nbuf, dtype=int), np.repeat(np.arange(L.size), counts)])
    dx = np.concatenate([np.full(nbuf, dx_m), np.repeat(L / counts, counts)])
    end = np.cumsum(np.concatenate([np.full(nbuf, dx_m), np.repeat(L / counts, counts)]))
    centre = end - 0.5 * dx - nbuf * dx_m
    lake = path.is_lake[elem]
    area = Q[elem] / U[elem]
    volume = np.where(lake, path.lake_volume_m3[elem], area * dx)
    ak = area * K[elem]
    with np.errstate(divide="ignore"):
        harm = np.where(
            (ak[:-1] > 0) & (ak[1:] > 0),
            2.0 / (1.0 / np.maximum(ak[:-1], 1e-300) + 1.0 / np.maximum(ak[1:], 1e-300)),
            0.0,
        )
    spacing = 0.5 * (dx[:-1] + dx[1:])
    cond = np.where(lake[:-1] | lake[1:], 0.0, harm / spacing)
    first = nbuf + np.concatenate([[0], np.cumsum(counts)[:-1]])
    return Grid(
        centre_m=centre,
        dx_m=dx,
        volume_m3=volume,
        discharge_m3_s=Q[elem],
        velocity_m_s=U[elem],
        face_conductance_m3_s=cond,
        is_lake=lake,
        storage_ratio=path.storage_ratio[elem],
        exchange_per_s=path.exchange_per_s[elem],
        source_cell=nbuf,
        element_end_m=np.cumsum(L),
        element_first_cell=first,
    )


def _advection_rate(c: np.ndarray, grid: Grid) -> np.ndarray:
    """d(mass)/dt per cell from advection (kg/s), MUSCL + van Leer."""
    left = np.concatenate([[0.0], c[:-1]])
    right = np.concatenate([c[1:], [c[-1]]])
    dl, dr = c - left, right - c
    prod = dl * dr
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = np.where(prod > 0, 2.0 * prod / (dl + dr), 0.0)
    slope = np.where(grid.is_lake, 0.0, slope)
    out = grid.discharge_m3_s * (c + 0.5 * slope)
    return np.concatenate([[0.0], out[:-1]]) - out


def _dispersion_matrices(grid: Grid, dt: float) -> tuple[np.ndarray, np.ndarray]:
    """Banded (V + dt/2 S) and (V - dt/2 S) for Crank-Nicolson on a step ``dt``."""
    g = grid.face_conductance_m3_s
    diag_s = np.concatenate([g, [0.0]]) + np.concatenate([[0.0], g])
    n = grid.volume_m3.size
    lhs = np.zeros((3, n))
    lhs[0, 1:] = -0.5 * dt * g
    lhs[1] = grid.volume_m3 + 0.5 * dt * diag_s
    lhs[2, :-1] = -0.5 * dt * g
    rhs = lhs.copy()
    rhs[0, 1:] *= -1.0
    rhs[2, :-1] *= -1.0
    rhs[1] = grid.volume_m3 - 0.5 * dt * diag_s
    return lhs, rhs


def _banded_mul(ab: np.ndarray, x: np.ndarray) -> np.ndarray:
    y = ab[1] * x
    y[:-1] += ab[0, 1:] * x[1:]
    y[1:] += ab[2, :-1] * x[:-1]
    out: np.ndarray = y
    return out


def solve(
    grid: Grid,
    release: Release,
    distance_m: Sequence[float] | np.ndarray,
    time_s: np.ndarray,
    courant: float = 0.8,
) -> np.ndarray:
    """Concentration (kg/m³), shape (points, times), at distances (m) and evenly spaced output
    times (s, starting at 0) after the release at distance 0."""
    times = np.asarray(time_s, dtype=float)
    out_dt = float(times[1] - times[0]) if times.size > 1 else float(times[0]) or 1.0
    sub = max(1, int(math.ceil(out_dt / (courant * _step_limit(grid)))))
    dt = out_dt / sub
    n_steps = int(round(times[-1] / dt)) if times.size else 0
    idx, w = _sampling(grid, np.asarray(distance_m, dtype=float))
    result = np.empty((idx.size, times.size))
    k_out = 0
    for step, c in enumerate(march(grid, release, dt, n_steps)):
        t = step * dt
        while k_out < times.size and times[k_out] <= t + 0.5 * dt:
            result[:, k_out] = (1.0 - w) * c[idx] + w * c[idx + 1]
            k_out += 1
    return np.maximum(result, 0.0)


def _step_limit(grid: Grid) -> float:
    river = ~grid.is_lake
    limit = float(np.min(grid.dx_m[river] / grid.velocity_m_s[river])) if river.any() else np.inf
    return min(limit, float(np.min(grid.volume_m3 / grid.discharge_m3_s)))


def march(grid: Grid, release: Release, dt: float, n_steps: int) -> Iterator[np.ndarray]:
    """Cell concentrations (kg/m³) at t = 0, dt, ..., n_steps dt (yielded arrays are reused:
    copy them to keep them). Water-column mass is ``total_mass(grid, c)``."""
    if np.any(np.diff(grid.discharge_m3_s) < 0):
        raise ValueError("the reference solver needs a discharge that does not fall downstream")
    lhs, rhs = _dispersion_matrices(grid, 0.5 * dt)
    decay = math.exp(-release.decay_per_s * dt)
    beta, alpha = grid.storage_ratio, grid.exchange_per_s
    has_storage = bool(np.any(beta > 0))
    safe_beta = np.where(beta > 0, beta, 1.0)
    relax = np.where(beta > 0, np.exp(-alpha * (1.0 + 1.0 / safe_beta) * dt), 1.0)
    vol = grid.volume_m3
    c = np.zeros(vol.size)
    cs = np.zeros(vol.size)
    src = grid.source_cell
    # the release point x = 0 is the face between the buffer and the path: share the mass
    # between the two cells around it so that its centroid is at x = 0
    share = np.array([0.5, 0.5]) if src > 0 else np.array([0.0, 1.0])
    cells = np.array([max(src - 1, 0), src])
    instantaneous = release.duration_s <= 0
    if instantaneous:
        c[cells] += share * release.mass_kg / vol[cells]
    t = 0.0
    yield c
    for _ in range(n_steps):
        c = solve_banded((1, 1), lhs, _banded_mul(rhs, c))
        c1 = c + dt * _advection_rate(c, grid) / vol
        c = 0.5 * c + 0.5 * (c1 + dt * _advection_rate(c1, grid) / vol)
        if not instantaneous and t < release.duration_s:
            active = min(dt, release.duration_s - t)
            c[cells] += share * release.mass_kg / release.duration_s * active / vol[cells]
        c = solve_banded((1, 1), lhs, _banded_mul(rhs, c))
        if has_storage:
            mean = (c + beta * cs) / (1.0 + beta)
            diff = (c - cs) * relax
            c, cs = mean + beta / (1.0 + beta) * diff, mean - diff / (1.0 + beta)
        c *= decay
        cs *= decay
        t += dt
        yield c


def total_mass(grid: Grid, c: np.ndarray) -> float:
    """Mass in the water column (kg) for cell concentrations ``c``."""
    return float(np.sum(grid.volume_m3 * c))


def _sampling(grid: Grid, distance_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cell index and weight for linear interpolation between cell centres (lakes: the cell)."""
    x = grid.centre_m
    i = np.clip(np.searchsorted(x, distance_m) - 1, 0, x.size - 2)
    w = np.clip((distance_m - x[i]) / (x[i + 1] - x[i]), 0.0, 1.0)
    # a point inside a lake element sees the lake (outlet) concentration
    elem = np.searchsorted(grid.element_end_m, distance_m, side="left")
    elem = np.minimum(elem, grid.element_end_m.size - 1)
    lake_cell = grid.element_first_cell[elem]
    in_lake = grid.is_lake[lake_cell]
    i = np.where(in_lake, np.minimum(lake_cell, x.size - 2), i)
    w = np.where(in_lake, np.where(lake_cell == x.size - 1, 1.0, 0.0), w)
    return i, w
