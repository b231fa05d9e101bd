"""The path of reaches from a spill source to the outlet, and travel-time moments along it.

A :class:`RiverPath` holds one value per path element (a reach, or the part of the source reach
below the source point) as plain float64 arrays, SI units. :func:`path_moments` accumulates the
mean and variance of the travel time from the source to the downstream end of every element;
:meth:`PathMoments.at` interpolates them to any distance along the path.

Moments per element (all additive along the path because the travel times through successive
elements are independent):

* river reach of length L, velocity U, dispersion K (Fischer et al. 1979, ch. 4; the first passage
  time of 1D advection-dispersion is inverse Gaussian with these moments, Chhikara & Folks 1989,
  ch. 1; equation number not checked):  mean = L/U,  variance = 2 K L / U**3
* with transient storage (Bencala & Walters 1983 / OTIS form, storage ratio beta = A_s/A, exchange
  rate alpha in 1/s), derived here by treating storage visits as a compound Poisson process:
  mean = (1 + beta) L/U,  variance = (1 + beta)**2 2 K L / U**3 + 2 beta**2 L / (alpha U)
* lake or reservoir as a completely mixed reactor (CSTR) of volume V and outflow Q (Levenspiel
  1999, ch. 11): residence time tau = V/Q, mean = tau, variance = tau**2. The element's length
  adds no time; every point inside it sees the outlet concentration.

>>> p = RiverPath.uniform(length_m=10_000.0, velocity_m_s=1.0, dispersion_m2_s=50.0,
...                       discharge_m3_s=100.0)
>>> m = path_moments(p)
>>> float(m.mean_s[-1]), float(m.var_s2[-1])
(10000.0, 1000000.0)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hazatlas.domain.errors import Problem, ValidationError

_F = np.float64


def _arr(values: object, n: int | None = None, fill: float = 0.0) -> np.ndarray:
    if values is None:
        assert n is not None
        return np.full(n, fill, dtype=_F)
    return np.ascontiguousarray(np.asarray(values, dtype=_F).ravel())


@dataclass(frozen=True)
class RiverPath:
    """Hydraulic arrays of the elements of a path from the source to the outlet (SI units).

    Attributes
    ----------
    length_m, velocity_m_s, dispersion_m2_s, discharge_m3_s : ndarray (n,)
        Length along the river, mean velocity, longitudinal dispersion coefficient and discharge
        of each element. The discharge may grow at confluences (dilution).
    lake_volume_m3 : ndarray (n,)
        Storage volume of a lake/reservoir element, NaN for a river element.
    storage_ratio : ndarray (n,)
        Transient-storage area ratio A_s/A (0 = no dead zones).
    exchange_per_s : ndarray (n,)
        Transient-storage exchange coefficient alpha in 1/s (used where ``storage_ratio`` > 0).
    """

    length_m: np.ndarray
    velocity_m_s: np.ndarray
    dispersion_m2_s: np.ndarray
    discharge_m3_s: np.ndarray
    lake_volume_m3: np.ndarray = field(default=None)  # type: ignore[arg-type]
    storage_ratio: np.ndarray = field(default=None)  # type: ignore[arg-type]
    exchange_per_s: np.ndarray = field(default=None)  # type: ignore[arg-type]

    def __post_init__(self) -> None:
        n = np.asarray(self.length_m).size
        for name in ("length_m", "velocity_m_s", "dispersion_m2_s", "discharge_m3_s"):
            object.__setattr__(self, name, _arr(getattr(self, name)))
        object.__setattr__(self, "lake_volume_m3", _arr(self.lake_volume_m3, n, np.nan))
        object.__setattr__(self, "storage_ratio", _arr(self.storage_ratio, n, 0.0))
        object.__setattr__(self, "exchange_per_s", _arr(self.exchange_per_s, n, 0.0))
        self._validate()

    def _validate(self) -> None:
        n = self.length_m.size
        problems: list[Problem] = []
        if n == 0:
            problems.append(Problem("river path", None, "length_m", "the path has no reach"))
        checks = {
            "length_m": (self.length_m, False),
            "velocity_m_s": (self.velocity_m_s, True),
            "dispersion_m2_s": (self.dispersion_m2_s, False),
            "discharge_m3_s": (self.discharge_m3_s, True),
            "storage_ratio": (self.storage_ratio, False),
        }
        for name, (arr, strict) in checks.items():
            if arr.size != n:
                problems.append(
                    Problem("river path", None, name, f"has {arr.size} values, expected {n}")
                )
                continue
            bad = ~np.isfinite(arr) | ((arr <= 0) if strict else (arr < 0))
            if bad.any():
                i = int(np.argmax(bad))
                need = "positive" if strict else "non-negative"
                problems.append(
                    Problem(
                        "river path",
                        None,
                        name,
                        f"element {i} is {arr[i]!r}, expected a finite {need} number",
                    )
                )
        lake = self.is_lake
        if np.any(self.lake_volume_m3[lake] <= 0):
            problems.append(
                Problem("river path", None, "lake_volume_m3", "a lake volume must be positive")
            )
        needs_alpha = (self.storage_ratio > 0) & ~(self.exchange_per_s > 0)
        if needs_alpha.any():
            i = int(np.argmax(needs_alpha))
            problems.append(
                Problem(
                    "river path",
                    None,
                    "exchange_per_s",
                    f"element {i} has transient storage but no positive exchange rate",
                )
            )
        if problems:
            raise ValidationError(problems)

    @property
    def is_lake(self) -> np.ndarray:
        """Boolean mask of the lake/reservoir (CSTR) elements."""
        out: np.ndarray = np.isfinite(self.lake_volume_m3)
        return out

    @property
    def size(self) -> int:
        return int(self.length_m.size)

    @classmethod
    def uniform(
        cls,
        length_m: float,
        velocity_m_s: float,
        dispersion_m2_s: float,
        discharge_m3_s: float,
        n: int = 1,
    ) -> RiverPath:
        """A uniform river of total ``length_m`` cut into ``n`` equal elements."""
        return cls(
            length_m=np.full(n, length_m / n),
            velocity_m_s=np.full(n, velocity_m_s),
            dispersion_m2_s=np.full(n, dispersion_m2_s),
            discharge_m3_s=np.full(n, discharge_m3_s),
        )


@dataclass(frozen=True)
class PathMoments:
    """Cumulative travel-time moments at the downstream end of each path element.

    ``start_m``/``end_m`` are the distances of each element's ends from the source;
    ``mean_s``/``var_s2`` the mean and variance of the travel time to the element's end;
    ``mean0_s``/``var0_s2`` the same at the element's upstream end; ``dilution_m3_s`` the
    discharge that dilutes the mass flux: the running maximum of the discharge, because where the
    discharge falls (a bifurcation, losses) the mass leaves with the water and concentrations are
    not raised.
    """

    path: RiverPath
    start_m: np.ndarray
    end_m: np.ndarray
    mean0_s: np.ndarray
    var0_s2: np.ndarray
    mean_s: np.ndarray
    var_s2: np.ndarray
    dilution_m3_s: np.ndarray

    @property
    def total_length_m(self) -> float:
        return float(self.end_m[-1])

    def at(self, distance_m: np.ndarray | float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Mean (s), variance (s²) and diluting discharge (m³/s) at distances (m) from the source.

        Within a river element both moments grow linearly with distance; inside a lake element
        the outlet values apply (completely mixed). Distances must lie in (0, total length].
        """
        i, d = self.locate(distance_m)
        length = self.end_m[i] - self.start_m[i]
        frac = np.where(length > 0, (d - self.start_m[i]) / np.where(length > 0, length, 1.0), 1.0)
        frac = np.where(self.path.is_lake[i], 1.0, np.clip(frac, 0.0, 1.0))
        mean = self.mean0_s[i] + frac * (self.mean_s[i] - self.mean0_s[i])
        var = self.var0_s2[i] + frac * (self.var_s2[i] - self.var0_s2[i])
        return mean, var, self.dilution_m3_s[i]

    def locate(self, distance_m: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        """Element index of each distance (m) from the source, and the distances as an array.

        Raises ValueError unless every distance lies in (0, total path length].
        """
        d = np.atleast_1d(np.asarray(distance_m, dtype=_F))
        if np.any(~np.isfinite(d)) or np.any(d <= 0) or np.any(d > self.end_m[-1] * (1 + 1e-12)):
            raise ValueError("distances must lie in (0, total path length]")
        i = np.searchsorted(self.end_m, d, side="left")
        return np.minimum(i, self.end_m.size - 1), d

    def lakes_at(self, distance_m: np.ndarray | float) -> np.ndarray:
        """Residence times (s) of the lakes passed before each distance, shape (points, lakes);
        0 where a lake lies downstream of the point. A point inside a lake includes that lake."""
        i, _ = self.locate(distance_m)
        lakes = np.flatnonzero(self.path.is_lake)
        tau = self.path.lake_volume_m3[lakes] / self.path.discharge_m3_s[lakes]
        return np.where(lakes[None, :] <= i[:, None], tau[None, :], 0.0)


def element_moments(path: RiverPath) -> tuple[np.ndarray, np.ndarray]:
    """Mean (s) and variance (s²) of the travel time through each element (see module doc)."""
    L, U, K = path.length_m, path.velocity_m_s, path.dispersion_m2_s
    beta, alpha = path.storage_ratio, path.exchange_per_s
    adv = L / U
    mean = (1.0 + beta) * adv
    safe_alpha = np.where(alpha > 0, alpha, 1.0)
    var = (1.0 + beta) ** 2 * 2.0 * K * L / U**3 + np.where(
        beta > 0, 2.0 * beta**2 * adv / safe_alpha, 0.0
    )
    lake = path.is_lake
    if lake.any():
        tau = path.lake_volume_m3[lake] / path.discharge_m3_s[lake]
        mean[lake] = tau
        var[lake] = tau**2
    return mean, var


def path_moments(path: RiverPath) -> PathMoments:
    """Accumulate travel-time moments from the source along ``path``."""
    mean, var = element_moments(path)
    end = np.cumsum(path.length_m)
    cm, cv = np.cumsum(mean), np.cumsum(var)
    return PathMoments(
        path=path,
        start_m=end - path.length_m,
        end_m=end,
        mean0_s=cm - mean,
        var0_s2=cv - var,
        mean_s=cm,
        var_s2=cv,
        dilution_m3_s=np.maximum.accumulate(path.discharge_m3_s),
    )
