"""Lognormal seismic fragility curves of storage tanks (RAPID-N's first level).

P(DS >= ds | IM) = Phi(ln(IM / theta_ds) / beta_ds), theta the median and beta the logarithmic
standard deviation of damage state ds (the "Log-normal (median)" form of RAPID-N,
https://rapidn.jrc.ec.europa.eu/TR/fragility-curves; HAZUS-MH). One class per published set of
curves; the medians and betas are rows of ``natech_fragility_curves.csv`` (with their status
and source), the states and their LOC mapping rows of ``natech_damage_classifications.csv``.

* :class:`HazusSteelTankAnchored`, :class:`HazusSteelTankUnanchored`: HAZUS on-ground steel
  tanks, full or near full (RAPID-N applies them for fill > 80 %). **Partially confirmed**: read
  in public code citing HAZUS 2.1, not in the HAZUS manual.
* :class:`Ala2001SteelTank`: Eidinger et al. (2001), American Lifelines Alliance, on-ground
  atmospheric steel tanks with fill >= 60 % ("ALA-G60"), as printed by RAPID-N (confirmed).

**Crossing curves.** Curves with different betas cross: above the crossing P(DS >= ds_k+1)
exceeds P(DS >= ds_k) and the probability of being in ds_k would be negative. The ALA-G60 DS4
and DS5 curves cross at about 1.24 g. RAPID-N corrects them after Porter (2021) eq. 37 (new
medians, one common beta); those corrected numbers were **not retrieved**, so hazatlas applies
its own correction to every set of curves: P'(DS >= ds_k) = max over j >= k of P(DS >= ds_j)
(the upper envelope of the higher states). It leaves the curves unchanged where they do not
cross, keeps each curve monotone in the intensity, and is said in the result's warnings
whenever it changes a probability. Results above the crossing therefore differ from RAPID-N's.

>>> r = HazusSteelTankAnchored().damage(pga_g=[0.3])
>>> r.exceedance[0].round(4).tolist()
[0.5, 0.079, 0.0141, 0.0026]
>>> round(float(r.probabilities[0].sum()), 12)
1.0
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
from scipy.special import ndtr  # type: ignore[import-untyped]

from hazatlas.domain.errors import ReferenceDataError
from hazatlas.domain.reference import load_table
from hazatlas.models.base import PublishedModel, input_problem, raise_problems
from hazatlas.models.natech.damage import (
    Classification,
    DamageResult,
    FloatArray,
    classification,
)

_TABLE = "natech_fragility_curves"
CROSSING_TOLERANCE = 1e-9  # probability change below which the envelope is not reported


def intensities(parameter: str, values: float | Sequence[float] | FloatArray) -> FloatArray:
    """``values`` as a 1-D float array, each finite and >= 0 (else a ValidationError naming
    ``parameter`` and the first bad element)."""
    arr = np.atleast_1d(np.asarray(values, dtype=float)).ravel()
    bad = np.flatnonzero(~np.isfinite(arr) | (arr < 0))
    if bad.size:
        i = int(bad[0])
        raise_problems(
            [input_problem(parameter, f"element {i} is {arr[i]!r}: expected a finite value >= 0")]
        )
    return arr


def lognormal_exceedance(
    im: FloatArray, medians: Sequence[float], betas: Sequence[float]
) -> FloatArray:
    """P(DS >= ds_k | IM) = Phi(ln(IM/theta_k)/beta_k), one column per damage state (IM = 0
    gives 0)."""
    med = np.asarray(medians, dtype=float)
    beta = np.asarray(betas, dtype=float)
    with np.errstate(divide="ignore"):
        z = (np.log(im)[:, None] - np.log(med)[None, :]) / beta[None, :]
    out: FloatArray = ndtr(z)
    return out


def ordered(exceedance: FloatArray) -> tuple[FloatArray, float]:
    """The upper envelope of the higher states, P'(>= ds_k) = max_{j >= k} P(>= ds_j), and the
    largest change it made (0 when no curves cross)."""
    env: FloatArray = np.maximum.accumulate(exceedance[:, ::-1], axis=1)[:, ::-1]
    change = float(np.max(env - exceedance)) if exceedance.size else 0.0
    return env, change


@functools.cache
def curve_parameters(model: str) -> tuple[tuple[str, float, float], ...]:
    """(damage state, median, beta) rows of ``model`` in ``natech_fragility_curves.csv``."""
    rows = [r for r in load_table(_TABLE) if r["model"] == model]
    if not rows:
        raise ReferenceDataError(f"{_TABLE}.csv has no rows for {model!r}")
    return tuple((r["damage_state"], float(r["median"]), float(r["beta"])) for r in rows)


class LognormalFragility(PublishedModel):
    """A set of lognormal fragility curves, one per damage state above the first."""

    name: ClassVar[str] = "lognormal-fragility"
    source: ClassVar[str] = "see the subclasses"
    inputs: ClassVar[Mapping[str, str]] = {"pga_g": "g", "fill_fraction": "1"}
    intensity: ClassVar[str] = "pga_g"
    classification_name: ClassVar[str] = "hazus-2010-storage-tank"
    notes: ClassVar[tuple[str, ...]] = ()

    def parameters(self) -> tuple[tuple[str, float, float], ...]:
        """(damage state, median, beta) of each curve, in the order of the classification."""
        return curve_parameters(self.name)

    def label(self) -> str:
        """The model named in results."""
        return self.name

    def intensity_name(self) -> str:
        """The keyword the intensity is given with (its name carries its unit)."""
        return self.intensity

    def damage_classification(self) -> Classification:
        """The damage states and their LOC states and release fractions."""
        return classification(self.classification_name)

    def exceedance(self, im: FloatArray) -> FloatArray:
        """Raw (uncorrected) P(DS >= ds | IM) of the published curves, n x states-1."""
        params = self.parameters()
        return lognormal_exceedance(im, [p[1] for p in params], [p[2] for p in params])

    def damage(
        self,
        *,
        fill_fraction: float | None = None,
        **intensity: float | Sequence[float] | FloatArray,
    ) -> DamageResult:
        """Damage-state and LOC probabilities at the intensities given as ``<intensity>=...``
        (``pga_g`` for the shipped curves); ``fill_fraction`` (0-1) is checked against the
        curves' validity when given."""
        key = self.intensity_name()
        if set(intensity) != {key}:
            raise TypeError(f"{self.label()} takes the intensity as {key}=...")
        im = intensities(key, intensity[key])
        cls = self.damage_classification()
        states = tuple(p[0] for p in self.parameters())
        if states != cls.states[1:]:
            raise ReferenceDataError(
                f"{self.label()}: curves for {states}, expected {cls.states[1:]}"
            )
        exc, change = ordered(self.exceedance(im))
        warnings = list(self.notes)
        if change > CROSSING_TOLERANCE:
            warnings.append(
                f"{self.label()}: the curves cross in this intensity range (up to "
                f"{change:.3g} in probability); the upper envelope of the higher damage states "
                "is used (a hazatlas correction, not RAPID-N's Porter 2021 correction)"
            )
        values: dict[str, Any] = {key: im}
        if fill_fraction is not None:
            if not (math.isfinite(fill_fraction) and 0.0 <= fill_fraction <= 1.0):
                raise_problems(
                    [input_problem("fill_fraction", f"{fill_fraction!r}: expected 0 to 1")]
                )
            values["fill_fraction"] = fill_fraction
        env = self.envelope(**values)
        return cls.result(self.label(), exc, warnings=warnings + list(env.outside), validity=(env,))


class HazusSteelTankAnchored(LognormalFragility):
    """HAZUS on-ground anchored steel tank, full or near full (PGA in g)."""

    name = "hazus-steel-tank-anchored"
    source = (
        "FEMA HAZUS-MH 2.1 Earthquake Technical Manual, on-ground anchored steel tank "
        "(natech_fragility_curves.csv; partially confirmed)"
    )
    validity = {"fill_fraction": (0.8, 1.0)}
    validity_basis = "RAPID-N applies the HAZUS near-full curves for fill > 80 %"


class HazusSteelTankUnanchored(LognormalFragility):
    """HAZUS on-ground unanchored steel tank, full or near full (PGA in g)."""

    name = "hazus-steel-tank-unanchored"
    source = (
        "FEMA HAZUS-MH 2.1 Earthquake Technical Manual, on-ground unanchored steel tank "
        "(natech_fragility_curves.csv; partially confirmed)"
    )
    validity = {"fill_fraction": (0.8, 1.0)}
    validity_basis = "RAPID-N applies the HAZUS near-full curves for fill > 80 %"


class Ala2001SteelTank(LognormalFragility):
    """Eidinger et al. (2001), ALA, on-ground atmospheric steel tank, fill >= 60 % (ALA-G60)."""

    name = "ala2001-steel-tank-fill60"
    source = (
        "Eidinger et al. (2001), American Lifelines Alliance, Seismic fragility formulation for "
        "water systems; ALA-G60 curves as printed by RAPID-N (natech_fragility_curves.csv)"
    )
    validity = {"fill_fraction": (0.6, 1.0)}
    validity_basis = "RAPID-N record ALA-G60: on-ground, steel, atmospheric, fill > 60 %"
    notes = (
        "ala2001-steel-tank-fill60: the original ALA-G60 curves cross (DS4/DS5 near 1.24 g); "
        "RAPID-N's corrected parameters (Porter 2021 eq. 37) were not retrieved",
    )


SHIPPED: dict[str, type[LognormalFragility]] = {
    c.name: c for c in (HazusSteelTankAnchored, HazusSteelTankUnanchored, Ala2001SteelTank)
}
