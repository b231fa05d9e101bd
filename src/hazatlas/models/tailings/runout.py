"""Tailings dam failure: released volume and runout distance by published regressions.

One class per paper (:class:`Rico2008`, :class:`ConchaLarrauriLall2018`). The equations, their
coefficients ``a`` and ``b``, the fit statistic, the assumed residual spread, where each is in
the paper, its status and its source are rows of ``tailings_runout_coefficients.csv``: the code
reads them and does not repeat them (docs/models/tailings.md shows the table). **Several
coefficients are UNCONFIRMED** (the CSV's ``status`` column says which and why); every result
carries that warning until the CSV is checked against the papers.

**Validity envelope.** A regression holds over the dams it was fitted on. Their range, per model
and input, is in ``tailings_runout_fit_ranges.csv`` with its status and source; a range with
numbers becomes the model's declared ``validity`` (inputs outside it are warned about), a range
not retrieved is said so in the run's validity envelope and warnings.

**Prediction interval.** 95 % interval in log10 space, log10 D ± 1.96 s, with s the
``log10_residual_sd`` of the coefficients CSV (a hazatlas assumption, its status column says so;
leverage is ignored).

**Plausibility.** The Rico runout regression, as tabled, gives runouts an order of magnitude
longer than observed for dams of the size of Aznalcóllar (docs/models/tailings.md): the
remembered coefficient or its units are probably wrong, hence ``larrauri2018`` is the default.

>>> r = ConchaLarrauriLall2018().compute(impounded_volume_m3=12e6, dam_height_m=87.0)
>>> round(r.released_volume_m3 / 1e6, 3), round(r.runout_km, 2)
(3.519, 35.26)
>>> round(Rico2008().compute(impounded_volume_m3=12e6, dam_height_m=87.0).runout_km)
1317
>>> r.validity.inside
False
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from hazatlas.domain.errors import ReferenceDataError
from hazatlas.domain.reference import load_table
from hazatlas.models.base import (
    PublishedModel,
    Validity,
    input_problem,
    invalid_input,
    raise_problems,
)

Z95 = 1.959963984540054  # two-sided 95 % quantile of the standard normal
INPUTS = {"impounded_volume_m3": "m3", "dam_height_m": "m", "released_volume_m3": "m3"}


@dataclass(frozen=True)
class RunoutInputs:
    """The request of one regression run: impounded volume and dam height, optionally the
    released volume (replaces the volume regression), SI units."""

    impounded_volume_m3: float
    dam_height_m: float
    released_volume_m3: float | None = None

    def __post_init__(self) -> None:
        problems = []
        for name in INPUTS:
            value = getattr(self, name)
            if value is None:
                continue
            if not (math.isfinite(value) and value > 0):
                problems.append(
                    input_problem(name, f"{value!r} {INPUTS[name]}: must be a positive number")
                )
        raise_problems(problems)


def _fit_ranges(model: str) -> tuple[dict[str, tuple[float, float]], tuple[str, ...]]:
    """Declared ranges (inputs with numbers) and a note naming the inputs whose range is not
    retrieved, for ``model``, from ``tailings_runout_fit_ranges.csv``."""
    ranges: dict[str, tuple[float, float]] = {}
    missing: list[str] = []
    for row in load_table("tailings_runout_fit_ranges"):
        if row["model"] != model:
            continue
        if row["low"].strip() and row["high"].strip():
            ranges[row["input"]] = (float(row["low"]), float(row["high"]))
        else:
            missing.append(row["input"])
    if not missing:
        return ranges, ()
    note = (
        f"{model}: the range of the dams the regression was fitted on ({', '.join(missing)}) "
        "was not retrieved (tailings_runout_fit_ranges.csv), so the inputs are not checked "
        "against it"
    )
    return ranges, (note,)


@dataclass(frozen=True)
class RunoutResult:
    """Released volume (m³), runout (km) with its 95 % interval, method, source, warnings and
    the validity envelope the regression was run in."""

    released_volume_m3: float
    runout_km: float
    interval_km: tuple[float, float]
    method: str
    source: str
    warnings: list[str] = field(default_factory=list)
    validity: Validity | None = None
    inputs: RunoutInputs | None = None


class _RunoutRegression(PublishedModel):
    """Released volume and runout regressions of one paper (coefficients from the CSV)."""

    name: ClassVar[str] = "runout-regression"
    key: ClassVar[str]
    source: ClassVar[str] = "see the subclasses"
    inputs: ClassVar[Mapping[str, str]] = INPUTS
    range_notes: ClassVar[tuple[str, ...]] = ()

    def __init__(self) -> None:
        rows = {
            r["quantity"]: r
            for r in load_table("tailings_runout_coefficients")
            if r["model"] == self.key
        }
        if set(rows) != {"released_volume", "runout"}:
            raise ReferenceDataError(f"tailings_runout_coefficients.csv lacks rows for {self.key}")
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
        out: np.ndarray = self.volume_a * vt**self.volume_b * 1e6
        return out

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
        predictor = self.predictor(dam_height_m, released_volume_m3, impounded_volume_m3)
        out: np.ndarray = self.runout_a * predictor**self.runout_b
        return out

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
        """Released volume (regression unless given) and runout with interval and warnings;
        :class:`ValidationError` naming the input if one is not a positive number."""
        return self.run(RunoutInputs(impounded_volume_m3, dam_height_m, released_volume_m3))

    def run(self, inputs: RunoutInputs) -> RunoutResult:
        """The regression for one request (see :meth:`compute`)."""
        vt, height = inputs.impounded_volume_m3, inputs.dam_height_m
        warnings = [
            f"{self.key}: {row['quantity']} coefficients {row['status']}"
            for row in self.rows.values()
            if "UNCONFIRMED" in row["status"]
        ]
        warnings.append(
            f"{self.key}: the prediction interval uses an assumed log10 residual "
            f"standard deviation of {self.runout_sd:g} (the paper's was not retrieved)"
        )
        if inputs.released_volume_m3 is None:
            vf = min(float(self.released_volume_m3(vt)), vt)
        else:
            vf = float(inputs.released_volume_m3)
        if vf > vt:
            warnings.append("released volume exceeds the impounded volume")
        envelope = self.envelope(
            notes=self.range_notes,
            impounded_volume_m3=vt,
            dam_height_m=height,
            released_volume_m3=vf,
        )
        warnings += [w for w in envelope.outside if w not in warnings]
        d = float(self.runout_km(height, vf, vt))
        lo, hi = self.interval_km(d)
        return RunoutResult(
            vf, d, (float(lo), float(hi)), self.key, self.source, warnings, envelope, inputs
        )


_RICO_RANGES, _RICO_NOTES = _fit_ranges("rico2008")
_LARRAURI_RANGES, _LARRAURI_NOTES = _fit_ranges("larrauri2018")
_BASIS = "range of the dams the regression was fitted on (tailings_runout_fit_ranges.csv)"


class Rico2008(_RunoutRegression):
    """Rico, Benito & Díez-Herrero (2008): VF from VT; Dmax from the dam factor Hf = H·VF."""

    name = "rico2008"
    key = "rico2008"
    source = (
        "Rico, Benito & Díez-Herrero (2008), Floods from tailings dam failures, "
        "J. Hazard. Mater. 154:79-87 (VF-VT and Dmax-Hf regressions; Dmax coefficients "
        "unconfirmed)"
    )
    validity = _RICO_RANGES
    validity_basis = _BASIS
    range_notes = _RICO_NOTES

    def predictor(
        self,
        dam_height_m: np.ndarray | float,
        released_volume_m3: np.ndarray | float,
        impounded_volume_m3: np.ndarray | float,
    ) -> np.ndarray:
        """Hf = H (m) · VF (10^6 m³)."""
        out: np.ndarray = (
            np.asarray(dam_height_m, dtype=float) * np.asarray(released_volume_m3, dtype=float) / 1e6
        )
        return out


class ConchaLarrauriLall2018(_RunoutRegression):
    """Concha Larrauri & Lall (2018): updated VF; Dmax from HF = H·(VF/VT)·VF."""

    name = "larrauri2018"
    key = "larrauri2018"
    source = (
        "Concha Larrauri & Lall (2018), Tailings dams failures: updated statistical model "
        "for discharge volume and runout, Environments 5(2):28 (coefficients unconfirmed)"
    )
    validity = _LARRAURI_RANGES
    validity_basis = _BASIS
    range_notes = _LARRAURI_NOTES

    def predictor(
        self,
        dam_height_m: np.ndarray | float,
        released_volume_m3: np.ndarray | float,
        impounded_volume_m3: np.ndarray | float,
    ) -> np.ndarray:
        """HF = H (m) · (VF/VT) · VF (10^6 m³)."""
        vf = np.asarray(released_volume_m3, dtype=float) / 1e6
        vt = np.asarray(impounded_volume_m3, dtype=float) / 1e6
        out: np.ndarray = np.asarray(dam_height_m, dtype=float) * (vf / vt) * vf
        return out


METHODS: dict[str, type[_RunoutRegression]] = {
    "rico2008": Rico2008,
    "larrauri2018": ConchaLarrauriLall2018,
}


def runout_model(method: str) -> _RunoutRegression:
    """The regression called ``method`` ("rico2008" or "larrauri2018")."""
    if method not in METHODS:
        raise invalid_input("method", f"must be one of {', '.join(METHODS)}, got {method!r}")
    return METHODS[method]()
