"""Gaussian plume for a continuous release of a neutrally buoyant gas.

Eq. (plume), with ground reflection (Turner 1970, Workbook of Atmospheric Dispersion Estimates,
ch. 3, equation number not checked; confirmed against GasDispersion.jl ``docs/src/plume.md``;
written out in ``docs/models/plume.md``)::

    C(x, y, z) = Q / (2 pi u sy sz) · exp(-y² / 2sy²) · V(z)
    V(z) = exp(-(z - h)² / 2sz²) + exp(-(z + h)² / 2sz²)

Mixing-height cap (a lid at height L, release below it): the plume is reflected at the ground and
at the lid; V is the sum over image sources at 2nL (n = -N..N, N = 5; Turner 1970 ch. 3, as in
ISC3)::

    V(z) = Σ_n [exp(-(z - h + 2nL)² / 2sz²) + exp(-(z + h + 2nL)² / 2sz²)]

and, once sz > 1.6 L, the well-mixed limit V = sqrt(2 pi) sz / L, i.e.
C = Q / (sqrt(2 pi) u sy L) · exp(-y² / 2sy²) (the ISC3 practice; the 1.6 factor is from
memory, unconfirmed). Without a lid (L = inf) only the ground image is used.

x is downwind, y crosswind, z height, all in metres; C is in kg/m³ (multiply by 1e6 for mg/m³).
Points at x <= 0 have C = 0.

>>> m = GaussianPlume("briggs-rural")
>>> c = m.centreline(1000.0, rate_kg_s=1.0, wind_speed_m_s=3.0, stability="D")
>>> round(float(c) * 1e6, 3)   # Q / (pi u sy sz), sy = 76.277, sz = 37.947 m  -> mg/m3
36.657
"""

from __future__ import annotations

import math

import numpy as np

from hazatlas.models.air.release import AirRelease, Concentrations
from hazatlas.models.air.sigmas import sigma_set
from hazatlas.models.base import PublishedModel, invalid_input

N_IMAGES = 5
WELL_MIXED_FACTOR = 1.6  # sz > 1.6 L -> uniform in the vertical (ISC3 practice; unconfirmed)


def vertical_term(
    z_m: np.ndarray | float, h_m: np.ndarray | float, sz_m: np.ndarray, mixing_height_m: float
) -> np.ndarray:
    """The vertical factor V(z) (dimensionless) with ground reflection and an optional lid."""
    z = np.asarray(z_m, dtype=float)
    sz = np.asarray(sz_m, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        two_s2 = 2.0 * sz * sz
        if not math.isfinite(mixing_height_m):
            free: np.ndarray = np.exp(-((z - h_m) ** 2) / two_s2) + np.exp(-((z + h_m) ** 2) / two_s2)
            return free
        lid = float(mixing_height_m)
        total = np.zeros(np.broadcast(z, sz, np.asarray(h_m)).shape)
        for n in range(-N_IMAGES, N_IMAGES + 1):
            shift = 2.0 * n * lid
            total = total + np.exp(-((z - h_m + shift) ** 2) / two_s2)
            total = total + np.exp(-((z + h_m + shift) ** 2) / two_s2)
        mixed = math.sqrt(2.0 * math.pi) * sz / lid
        out: np.ndarray = np.where(sz > WELL_MIXED_FACTOR * lid, mixed, total)
        return out


class GaussianPlume(PublishedModel):
    """Steady Gaussian plume with ground reflection and an optional mixing-height lid."""

    name = "gaussian-plume"
    source = (
        "Gaussian plume with ground reflection (Turner 1970, Workbook of Atmospheric Dispersion "
        "Estimates, ch. 3, equation number not checked; confirmed against "
        "GasDispersion.jl docs/src/plume.md; written out in docs/models/plume.md); "
        "lid reflections by image sources and well-mixed limit for sigma_z > 1.6 L (ISC3 practice, "
        "EPA-454/B-95-003b; unconfirmed)"
    )
    inputs = {
        "rate_kg_s": "kg/s",
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
        """Concentrations (kg/m³) at (x, y, z) m for a continuous release, with the validity
        envelope (wind speed, downwind distances of the points)."""
        if release.rate_kg_s is None:
            raise invalid_input("rate_kg_s", "the plume model needs a continuous release rate")
        values = self.compute(
            x_m,
            y_m,
            z_m,
            rate_kg_s=release.rate_kg_s,
            wind_speed_m_s=release.wind_speed_m_s,
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
        *,
        rate_kg_s: np.ndarray | float,
        wind_speed_m_s: np.ndarray | float,
        stability: str | np.ndarray,
        release_height_m: np.ndarray | float = 0.0,
        mixing_height_m: float = math.inf,
    ) -> np.ndarray:
        """Concentration (kg/m³) at (x, y, z) m; all arguments broadcast against each other."""
        x = np.asarray(x_m, dtype=float)
        y = np.asarray(y_m, dtype=float)
        sy, sz = self.sigmas.compute(x, stability)
        with np.errstate(divide="ignore", invalid="ignore"):
            lateral = np.exp(-(y * y) / (2.0 * sy * sy))
            vert = vertical_term(z_m, release_height_m, sz, mixing_height_m)
            c = np.asarray(rate_kg_s) / (2.0 * math.pi * np.asarray(wind_speed_m_s) * sy * sz)
            out = c * lateral * vert
        return np.where((x > 0) & (sy > 0) & (sz > 0), np.nan_to_num(out, nan=0.0), 0.0)

    def centreline(
        self,
        x_m: np.ndarray | float,
        *,
        rate_kg_s: np.ndarray | float,
        wind_speed_m_s: np.ndarray | float,
        stability: str | np.ndarray,
        release_height_m: np.ndarray | float = 0.0,
        mixing_height_m: float = math.inf,
    ) -> np.ndarray:
        """Ground-level centreline concentration C(x, 0, 0) in kg/m³."""
        return self.compute(
            x_m,
            0.0,
            0.0,
            rate_kg_s=rate_kg_s,
            wind_speed_m_s=wind_speed_m_s,
            stability=stability,
            release_height_m=release_height_m,
            mixing_height_m=mixing_height_m,
        )

    def crosswind_sigma(self, x_m: np.ndarray | float, stability: str | np.ndarray) -> np.ndarray:
        """sigma_y (m) at ``x_m``: the ground-level footprint is C(x,0,0)·exp(-y²/2sy²)."""
        return self.sigmas.sigma_y(x_m, stability)
