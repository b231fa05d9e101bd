"""Tailings dam failure: released volume and runout distance by published regressions.

One class per paper; coefficients come from ``tailings_runout_coefficients.csv`` (columns ``a``,
``b``, ``r2``, ``status``, ``where_in_paper``). **Several coefficients are UNCONFIRMED**: they
are from memory or from a secondary code implementation, because the papers' full texts could
not be read (only their abstracts). To check them, open each paper at the place named below and
compare; then update the CSV's ``status`` column.

=============  ==========================================  ==============  =====  ===========
model          equation (VT, VF in 10^6 m3; H m; D km)      a, b            r2     status
=============  ==========================================  ==============  =====  ===========
rico2008       VF = a VT^b                                 0.354, 1.01     0.86   secondary
rico2008       Dmax = a Hf^b,  Hf = H VF                   14.45, 0.76     0.57   UNCONFIRMED
larrauri2018   VF = a VT^b                                 0.332, 0.95     n/r    secondary
larrauri2018   Dmax = a HF^b,  HF = H (VF/VT) VF           3.04, 0.545     n/r    UNCONFIRMED
=============  ==========================================  ==============  =====  ===========

Where to check: Rico, Benito & Díez-Herrero (2008) "Floods from tailings dam failures",
J. Hazard. Mater. 154:79-87 — the VF-VT and Dmax-Hf regressions (r2 0.86 and 0.57, both
confirmed in the abstract; equation numbers not retrieved). Concha Larrauri & Lall (2018)
"Tailings dams failures: updated statistical model for discharge volume and runout",
Environments 5(2):28 — the updated VF regression and the "potential energy" Dmax regression
(the HF predictor is confirmed in the abstract; coefficients and equation numbers not retrieved).

**Prediction interval.** 95 % interval in log10 space, log10 D ± 1.96 s, with s the
``log10_residual_sd`` of the CSV. The papers' standard errors were not retrieved, so s is a
hazatlas assumption (status column says so) and the interval is indicative only; leverage
(distance from the data's centre) is ignored.

**Plausibility.** With the remembered Rico coefficients (a = 14.45, b = 0.76, Hf = H·VF in
m·10^6 m³, D in km), a dam of the size of Aznalcóllar (H ≈ 27 m, VF ≈ 4.6·10^6 m³; figures from
memory) gives Dmax ≈ 565 km against an observed runout of about 40 km: a strong hint that the
remembered coefficient or its units are wrong. Until the paper is checked, ``larrauri2018`` is
the default method.

>>> r = ConchaLarrauriLall2018().compute(impounded_volume_m3=12e6, dam_height_m=87.0)
>>> round(r.released_volume_m3 / 1e6, 3), round(r.runout_km, 2)
(3.519, 35.26)
>>> round(Rico2008().compute(impounded_volume_m3=12e6, dam_height_m=87.0).runout_km)
1317
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from hazatlas.domain.errors import HazatlasError
from hazatlas.domain.reference import load_table
from hazatlas.models.base import PublishedModel

Z95 = 1.959963984540054


@dataclass(frozen=True)
class RunoutResult:
    """Released volume (m³), runout (km) with its 95 % interval, method, source, warnings."""

    released_volume_m3: float
    runout_km: float
    interval_km: tuple[float, float]
    method: str
    source: str
    warnings: list[str] = field(default_factory=list)


class _RunoutRegression:
    key: ClassVar[str]
    source: ClassVar[str]

    def __init__(self) -> None:
        rows = {
            r["quantity"]: r
            for r in load_table("tailings_runout_coefficients")
            if r["model"] == self.key
        }
        if set(rows) != {"released_volume", "runout"}:
            raise HazatlasError(f"tailings_runout_coefficients.csv lacks rows for {self.key}")
        self.rows = rows
        self.volume_a, self.volume_b = (
            float(rows["released_volume"]["a"]),
            float(rows["released_volume"]["b"]),
        )
        self.runout_a, self.runout_b = float(rows["runout"]["a"]), float(rows["runout"]["b"])
        self.runout_sd = float(rows["runout"]["log10_residual_sd"])

    def released_volume_m3(self, impounded_volume_m3: np.ndarray | float) -> np.ndarray:
        """VF (m³) = a VT^b with volumes in 10^6 m³ (see the class table)."""
        vt = np.asarray(impounded_volume_m3, dtype=float) / 1e6
        return self.volume_a * vt**self.volume_b * 1e6

    def predictor(
        self,
        dam_height_m: np.ndarray | float,
        released_volume_m3: np.ndarray | float,
        impounded_volume_m3: np.ndarray | float,
    ) -> np.ndarray:
        raise NotImplementedError

    def runout_km(
        self,
        dam_height_m: np.ndarray | float,
        released_volume_m3: np.ndarray | float,
        impounded_volume_m3: np.ndarray | float,
    ) -> np.ndarray:
        """Dmax (km) = a · predictor^b."""
        return (
            self.runout_a
            * self.predictor(dam_height_m, released_volume_m3, impounded_volume_m3) ** self.runout_b
        )

    def interval_km(self, runout_km: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        """95 % prediction interval (km) around ``runout_km`` (log10 D ± 1.96 s; s assumed)."""
        factor = 10.0 ** (Z95 * self.runout_sd)
        d = np.asarray(runout_km, dtype=float)
        return d / factor, d * factor

    def compute(
        self,
        *,
        impounded_volume_m3: float,
        dam_height_m: float,
        released_volume_m3: float | None = None,
    ) -> RunoutResult:
        """Released volume (regression unless given) and runout with interval and warnings."""
        if not (impounded_volume_m3 > 0 and dam_height_m > 0):
            raise HazatlasError("impounded volume and dam height must be > 0")
        warnings = [
            f"{self.key}: {row['quantity']} coefficients {row['status']}"
            for row in self.rows.values()
            if "UNCONFIRMED" in row["status"]
        ]
        warnings.append(
            f"{self.key}: the prediction interval uses an assumed log10 residual "
            f"standard deviation of {self.runout_sd:g} (the paper's was not retrieved)"
        )
        if released_volume_m3 is None:
            vf = float(self.released_volume_m3(impounded_volume_m3))
            vf = min(vf, impounded_volume_m3)
        else:
            vf = float(released_volume_m3)
            if not vf > 0:
                raise HazatlasError("released volume must be > 0")
        if vf > impounded_volume_m3:
            warnings.append("released volume exceeds the impounded volume")
        d = float(self.runout_km(dam_height_m, vf, impounded_volume_m3))
        lo, hi = self.interval_km(d)
        return RunoutResult(vf, d, (float(lo), float(hi)), self.key, self.source, warnings)


class Rico2008(_RunoutRegression, PublishedModel):
    """Rico, Benito & Díez-Herrero (2008): VF from VT; Dmax from the dam factor Hf = H·VF."""

    name = "rico2008"
    key = "rico2008"
    source = (
        "Rico, Benito & Díez-Herrero (2008), Floods from tailings dam failures, "
        "J. Hazard. Mater. 154:79-87 (VF-VT and Dmax-Hf regressions; Dmax coefficients "
        "unconfirmed)"
    )
    inputs = {"impounded_volume_m3": "m3", "dam_height_m": "m", "released_volume_m3": "m3"}

    def predictor(
        self,
        dam_height_m: np.ndarray | float,
        released_volume_m3: np.ndarray | float,
        impounded_volume_m3: np.ndarray | float,
    ) -> np.ndarray:
        """Hf = H (m) · VF (10^6 m³)."""
        return (
            np.asarray(dam_height_m, dtype=float)
            * np.asarray(released_volume_m3, dtype=float)
            / 1e6
        )


class ConchaLarrauriLall2018(_RunoutRegression, PublishedModel):
    """Concha Larrauri & Lall (2018): updated VF; Dmax from HF = H·(VF/VT)·VF."""

    name = "larrauri2018"
    key = "larrauri2018"
    source = (
        "Concha Larrauri & Lall (2018), Tailings dams failures: updated statistical model "
        "for discharge volume and runout, Environments 5(2):28 (coefficients unconfirmed)"
    )
    inputs = {"impounded_volume_m3": "m3", "dam_height_m": "m", "released_volume_m3": "m3"}

    def predictor(
        self,
        dam_height_m: np.ndarray | float,
        released_volume_m3: np.ndarray | float,
        impounded_volume_m3: np.ndarray | float,
    ) -> np.ndarray:
        """HF = H (m) · (VF/VT) · VF (10^6 m³)."""
        vf = np.asarray(released_volume_m3, dtype=float) / 1e6
        vt = np.asarray(impounded_volume_m3, dtype=float) / 1e6
        return np.asarray(dam_height_m, dtype=float) * (vf / vt) * vf


METHODS: dict[str, type[_RunoutRegression]] = {
    "rico2008": Rico2008,
    "larrauri2018": ConchaLarrauriLall2018,
}


def runout_model(method: str) -> _RunoutRegression:
    """The regression called ``method`` ("rico2008" or "larrauri2018")."""
    if method not in METHODS:
        raise HazatlasError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    return METHODS[method]()
