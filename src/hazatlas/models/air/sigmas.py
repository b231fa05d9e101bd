"""Dispersion coefficient sets sigma_y(x), sigma_z(x) for a continuous plume: one class per set.

Each class reads its coefficients from ``data/reference`` and evaluates them vectorised over
downwind distance ``x_m`` (any shape) and stability (a class letter, or an array of letters or
class indices 0-5 broadcastable against ``x_m``). Distances <= 0 give sigma = 0.

=====================  ======================================================================
``briggs-rural``       Briggs (1973) open-country fits, sigma = a x (1 + b x)^c
                       (``gaussian_briggs_sigma_coefficients.csv``; as in CCPS 1999, Griffiths 1994)
``briggs-urban``       Briggs (1973) urban fits (McElroy-Pooler), same form and table
``pasquill-gifford``   ISC3 rural Pasquill-Gifford fits, EPA-454/B-95-003b vol. 2:
                       sigma_y = 465.11628 x_km tan(0.017453293 (c - d ln x_km)),
                       sigma_z = a x_km^b by distance segment, A and B capped at 5000 m
                       (``gaussian_isc3_rural_sigma_coefficients.csv``)
=====================  ======================================================================

>>> s = BriggsRural()
>>> [round(float(v), 2) for v in s.compute(1000.0, "D")]
[76.28, 37.95]
>>> [round(float(v), 2) for v in PasquillGiffordISC3().compute(1000.0, "D")]
[68.13, 32.09]
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np

from hazatlas.domain.reference import load_table
from hazatlas.models.air.stability import CLASSES, class_index
from hazatlas.models.base import PublishedModel


def class_indices(stability: str | np.ndarray | list[str]) -> np.ndarray:
    """Class indices (0-5) from a letter, an array of letters, or an array of indices."""
    arr = np.asarray(stability)
    if arr.dtype.kind in "iu":
        return arr.astype(np.int64)
    if arr.ndim == 0:
        return np.asarray(class_index(str(arr)), dtype=np.int64)
    flat = [class_index(str(s)) for s in arr.ravel()]
    return np.asarray(flat, dtype=np.int64).reshape(arr.shape)


class _SigmaSet:
    """Shared interface: ``compute(x_m, stability) -> (sigma_y_m, sigma_z_m)``."""

    key: ClassVar[str]

    def sigma_y(self, x_m: np.ndarray | float, stability: str | np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def sigma_z(self, x_m: np.ndarray | float, stability: str | np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def compute(
        self, x_m: np.ndarray | float, stability: str | np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Both coefficients (m) at downwind distances ``x_m`` (m) for ``stability``."""
        return self.sigma_y(x_m, stability), self.sigma_z(x_m, stability)


class _Briggs(_SigmaSet):
    terrain: ClassVar[str]

    def __init__(self) -> None:
        rows = {
            r["stability_class"]: r
            for r in load_table("gaussian_briggs_sigma_coefficients")
            if r["terrain"] == self.terrain
        }
        self._y = np.array([[float(rows[c][f"sigma_y_{k}"]) for k in "abc"] for c in CLASSES])
        self._z = np.array([[float(rows[c][f"sigma_z_{k}"]) for k in "abc"] for c in CLASSES])

    @staticmethod
    def _eval(coef: np.ndarray, x_m: np.ndarray | float, stability: str | np.ndarray) -> np.ndarray:
        x = np.maximum(np.asarray(x_m, dtype=float), 0.0)
        idx = class_indices(stability)
        a, b, c = coef[idx, 0], coef[idx, 1], coef[idx, 2]
        out: np.ndarray = a * x * (1.0 + b * x) ** np.where(b == 0.0, 0.0, c)
        return out

    def sigma_y(self, x_m: np.ndarray | float, stability: str | np.ndarray) -> np.ndarray:
        """sigma_y (m) = a x (1 + b x)^c, Briggs (1973) via CCPS (1999) table."""
        return self._eval(self._y, x_m, stability)

    def sigma_z(self, x_m: np.ndarray | float, stability: str | np.ndarray) -> np.ndarray:
        """sigma_z (m) = a x (1 + b x)^c, Briggs (1973) via CCPS (1999) table."""
        return self._eval(self._z, x_m, stability)


class BriggsRural(_Briggs, PublishedModel):
    """Briggs (1973) open-country sigma_y, sigma_z (valid about 100 m to 10 km)."""

    name = "briggs-rural"
    key = "briggs-rural"
    terrain = "rural"
    source = (
        "Briggs (1973) open-country formulas, as tabulated in AIChE/CCPS (1999) and "
        "Griffiths (1994); gaussian_briggs_sigma_coefficients.csv"
    )
    inputs = {"distance_m": "m"}
    validity = {"distance_m": (100.0, 10_000.0)}


class BriggsUrban(_Briggs, PublishedModel):
    """Briggs (1973) urban sigma_y, sigma_z (McElroy-Pooler data; about 100 m to 10 km)."""

    name = "briggs-urban"
    key = "briggs-urban"
    terrain = "urban"
    source = (
        "Briggs (1973) urban formulas, as tabulated in AIChE/CCPS (1999) with the "
        "Griffiths (1994) corrections; gaussian_briggs_sigma_coefficients.csv"
    )
    inputs = {"distance_m": "m"}
    validity = {"distance_m": (100.0, 10_000.0)}


class PasquillGiffordISC3(_SigmaSet, PublishedModel):
    """Pasquill-Gifford curves as fitted in the ISC3 model (rural), EPA-454/B-95-003b vol. 2."""

    name = "pasquill-gifford"
    key = "pasquill-gifford"
    source = (
        "EPA (1995) ISC3 User's Guide vol. 2, EPA-454/B-95-003b, Pasquill-Gifford rural "
        "sigma_y and sigma_z fits; gaussian_isc3_rural_sigma_coefficients.csv"
    )
    inputs = {"distance_m": "m"}
    validity = {"distance_m": (100.0, 10_000.0)}

    def __init__(self) -> None:
        rows = load_table("gaussian_isc3_rural_sigma_coefficients")
        self._cd = np.zeros((6, 2))
        segs: list[list[tuple[float, float, float]]] = [[] for _ in CLASSES]
        self._cap = np.full(6, np.inf)
        for r in rows:
            i = CLASSES.index(r["stability_class"])
            if r["quantity"] == "sigma_y":
                parts = dict(p.strip().split("=") for p in r["extra"].split(";"))
                self._cd[i] = float(parts["c"]), float(parts["d"])
            else:
                upper = float(r["x_km_to"]) if r["x_km_to"] else math.inf
                segs[i].append((upper, float(r["a"]), float(r["b"])))
                if "cap" in r["extra"]:
                    self._cap[i] = float(r["extra"].split()[1])
        n = max(len(s) for s in segs)
        self._upper = np.full((6, n), np.inf)
        self._a = np.zeros((6, n))
        self._b = np.zeros((6, n))
        for i, seg in enumerate(segs):
            seg.sort()
            for j, (upper, a, b) in enumerate(seg):
                self._upper[i, j], self._a[i, j], self._b[i, j] = upper, a, b
            self._upper[i, len(seg) - 1 :] = np.inf
            self._a[i, len(seg) :] = seg[-1][1]
            self._b[i, len(seg) :] = seg[-1][2]

    def sigma_y(self, x_m: np.ndarray | float, stability: str | np.ndarray) -> np.ndarray:
        """sigma_y (m) = 465.11628 x_km tan(0.017453293 (c - d ln x_km)), ISC3 vol. 2."""
        x_km = np.maximum(np.asarray(x_m, dtype=float), 0.0) / 1000.0
        idx = class_indices(stability)
        c, d = self._cd[idx, 0], self._cd[idx, 1]
        with np.errstate(divide="ignore", invalid="ignore"):
            th = 0.017453293 * (c - d * np.log(x_km))
            out = 465.11628 * x_km * np.tan(th)
        return np.where(x_km > 0, out, 0.0)

    def sigma_z(self, x_m: np.ndarray | float, stability: str | np.ndarray) -> np.ndarray:
        """sigma_z (m) = a x_km^b on the distance segment of x, ISC3 vol. 2 (A, B capped 5000 m)."""
        x_km = np.maximum(np.asarray(x_m, dtype=float), 0.0) / 1000.0
        idx = class_indices(stability)
        x_b, idx_b = np.broadcast_arrays(x_km, idx)
        upper = self._upper[idx_b]  # (..., n)
        # segment: first upper bound >= x (upper bound inclusive); class A's first bound is strict
        inside = x_b[..., None] <= upper
        inside[..., 0] &= ~((idx_b == 0) & (x_b >= 0.1))
        seg = np.argmax(inside, axis=-1)
        a = np.take_along_axis(self._a[idx_b], seg[..., None], axis=-1)[..., 0]
        b = np.take_along_axis(self._b[idx_b], seg[..., None], axis=-1)[..., 0]
        with np.errstate(divide="ignore"):
            out = a * x_b**b
        result: np.ndarray = np.minimum(np.where(x_b > 0, out, 0.0), self._cap[idx_b])
        return result


SIGMA_SETS: dict[str, type[_SigmaSet]] = {
    "briggs-rural": BriggsRural,
    "briggs-urban": BriggsUrban,
    "pasquill-gifford": PasquillGiffordISC3,
}

_INSTANCES: dict[str, _SigmaSet] = {}


def sigma_set(key: str) -> _SigmaSet:
    """The (cached) coefficient set called ``key`` ("briggs-rural", "briggs-urban",
    "pasquill-gifford")."""
    from hazatlas.models.base import invalid_input

    if key not in SIGMA_SETS:
        raise invalid_input("sigmas", f"sigmas must be one of {', '.join(SIGMA_SETS)}, got {key!r}")
    if key not in _INSTANCES:
        _INSTANCES[key] = SIGMA_SETS[key]()
    return _INSTANCES[key]
