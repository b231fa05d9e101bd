"""Gaussian puff for an instantaneous release of a neutrally buoyant gas.

Eq. (puff), with ground reflection (Turner 1970; CCPS 1999; GasDispersion.jl docs/src/puff.md)::

    C(x, y, z, t) = M / ((2 pi)^(3/2) sx sy sz) · exp(-(x - u t)² / 2sx²) · exp(-y² / 2sy²) · V(z)

with V(z) the vertical factor of :mod:`hazatlas.models.air.plume` (ground and lid reflections,
well-mixed limit). The sigmas are those of the chosen plume coefficient set evaluated at the
travel distance of the puff centre, u t, with sx = sy: a simplification (dedicated puff sigmas,
e.g. CCPS 1999's, are smaller, so concentrations here are lower near the source). The
integral of C over all space is M at every t (mass conservation, tested).

The **peak** concentration at a fixed point (x, y, z) is taken at t = x/u, when the puff centre
passes: C_peak = M / ((2 pi)^(3/2) sy² sz) · exp(-y²/2sy²) · V(z) with sigmas at x.

>>> p = GaussianPuff("briggs-rural")
>>> c = p.peak(1000.0, 0.0, 0.0, mass_kg=500.0, stability="D")
>>> round(float(c) * 1e6, 1)   # 2 M / ((2 pi)^1.5 sy^2 sz), mg/m3
287.6
"""

from __future__ import annotations

import math

import numpy as np

from hazatlas.models.air.plume import vertical_term
from hazatlas.models.air.release import AirRelease, Concentrations
from hazatlas.models.air.sigmas import sigma_set
from hazatlas.models.base import PublishedModel, invalid_input

_NORM = (2.0 * math.pi) ** 1.5


class GaussianPuff(PublishedModel):
    """Instantaneous Gaussian puff with ground reflection and an optional mixing-height lid."""

    name = "gaussian-puff"
    source = (
        "Gaussian puff with ground reflection (Turner 1970; AIChE/CCPS 1999; "
        "GasDispersion.jl docs/src/puff.md); plume sigmas at the travel distance, sx = sy"
    )
    inputs = {
        "mass_kg": "kg",
        "wind_speed_m_s": "m/s",
        "release_height_m": "m",
        "mixing_height_m": "m",
        "distance_m": "m",
    }
    validity = {"wind_speed_m_s": (1.0, math.inf), "distance_m": (100.0, 10_000.0)}

    def __init__(self, sigmas: str = "briggs-rural") -> None:
        self.sigmas = sigma_set(sigmas)

    def run(
        self,
        release: AirRelease,
        x_m: np.ndarray | float,
        y_m: np.ndarray | float = 0.0,
        z_m: np.ndarray | float = 0.0,
    ) -> Concentrations:
        """Peak concentrations (kg/m³) at (x, y, z) m as the puff passes (:meth:`peak`), with
        the validity envelope (wind speed, downwind distances of the points)."""
        if release.mass_kg is None:
            raise invalid_input("mass_kg", "the puff model needs an instantaneous released mass")
        values = self.peak(
            x_m,
            y_m,
            z_m,
            mass_kg=release.mass_kg,
            stability=release.stability,
            release_height_m=release.release_height_m,
            mixing_height_m=release.mixing_height_m,
        )
        x = np.asarray(x_m, dtype=float)
        envelope = self.envelope(wind_speed_m_s=release.wind_speed_m_s, distance_m=x[x > 0])
        return Concentrations(values, envelope)

    def compute(
        self,
        x_m: np.ndarray | float,
        y_m: np.ndarray | float,
        z_m: np.ndarray | float,
        t_s: np.ndarray | float,
        *,
        mass_kg: np.ndarray | float,
        wind_speed_m_s: np.ndarray | float,
        stability: str | np.ndarray,
        release_height_m: np.ndarray | float = 0.0,
        mixing_height_m: float = math.inf,
    ) -> np.ndarray:
        """Concentration (kg/m³) at (x, y, z) m and time t s after the release."""
        x = np.asarray(x_m, dtype=float)
        y = np.asarray(y_m, dtype=float)
        travel = np.asarray(wind_speed_m_s, dtype=float) * np.asarray(t_s, dtype=float)
        sy, sz = self.sigmas.compute(travel, stability)
        with np.errstate(divide="ignore", invalid="ignore"):
            along = np.exp(-((x - travel) ** 2) / (2.0 * sy * sy))
            lateral = np.exp(-(y * y) / (2.0 * sy * sy))
            vert = vertical_term(z_m, release_height_m, sz, mixing_height_m)
            out = np.asarray(mass_kg) / (_NORM * sy * sy * sz) * along * lateral * vert
        return np.where((travel > 0) & (sy > 0) & (sz > 0), np.nan_to_num(out, nan=0.0), 0.0)

    def peak(
        self,
        x_m: np.ndarray | float,
        y_m: np.ndarray | float,
        z_m: np.ndarray | float,
        *,
        mass_kg: np.ndarray | float,
        stability: str | np.ndarray,
        release_height_m: np.ndarray | float = 0.0,
        mixing_height_m: float = math.inf,
    ) -> np.ndarray:
        """Peak concentration (kg/m³) at a point, when the puff centre passes (t = x/u).

        Independent of the wind speed (u only sets when the peak arrives).
        """
        x = np.asarray(x_m, dtype=float)
        y = np.asarray(y_m, dtype=float)
        sy, sz = self.sigmas.compute(x, stability)
        with np.errstate(divide="ignore", invalid="ignore"):
            lateral = np.exp(-(y * y) / (2.0 * sy * sy))
            vert = vertical_term(z_m, release_height_m, sz, mixing_height_m)
            out = np.asarray(mass_kg) / (_NORM * sy * sy * sz) * lateral * vert
        return np.where((x > 0) & (sy > 0) & (sz > 0), np.nan_to_num(out, nan=0.0), 0.0)

    def crosswind_sigma(self, x_m: np.ndarray | float, stability: str | np.ndarray) -> np.ndarray:
        """sigma_y (m) at ``x_m``: the peak footprint is C_peak(x,0,0)·exp(-y²/2sy²)."""
        return self.sigmas.sigma_y(x_m, stability)
