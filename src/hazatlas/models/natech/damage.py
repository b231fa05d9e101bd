"""RAPID-N's second and third levels: damage states and loss-of-containment (LOC) states.

RAPID-N (Girgin & Krausmann, JRC) assesses a Natech in three levels: a **fragility curve** gives
the probability of reaching each damage state at the site's hazard intensity; a **damage
classification** names the states; a **risk state** maps each damage state to a LOC state and
its scenario parameters (https://rapidn.jrc.ec.europa.eu/TR/risk-assessment1;
https://rapidn.jrc.ec.europa.eu/risk_state/list). Here a classification is the rows of
``natech_damage_classifications.csv``: damage state, its wording, the LOC state (RAPID-N's
default mapping DS1 None, DS2 Minor, DS3 Moderate, DS4 Major, DS5 Catastrophic, confirmed) and
a **release fraction** of the unit's content. RAPID-N's default risk states carry no released
amount (their scenario parameters are empty; the user enters release rate, duration or hole
size per risk state: Girgin & Necci 2018, EUR 29511 EN), and no published fraction per state
was found (Salzano et al. 2003 and Fabbrocino et al. 2005 relate damage states one-to-one to
risk states; their quantities were not read), so the fractions of DS2-DS4 are a hazatlas
assumption (the CSV's ``release_fraction_status`` says which); DS1 = 0 and DS5 = 1 follow from
the HAZUS wording ("no damage", "loss of all content").

>>> c = classification("hazus-2010-storage-tank")
>>> c.states, c.loc_states
(('DS1', 'DS2', 'DS3', 'DS4', 'DS5'), ('None', 'Minor', 'Moderate', 'Major', 'Catastrophic'))
>>> r = c.result("demo", np.array([[0.5, 0.1, 0.0, 0.0]]), warnings=(), validity=())
>>> r.probabilities[0].round(2).tolist()
[0.5, 0.4, 0.1, 0.0, 0.0]
>>> round(float(r.expected_release_fraction[0]), 3)
0.014
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from hazatlas.domain.errors import ReferenceDataError
from hazatlas.domain.reference import load_table
from hazatlas.models.base import Validity

FloatArray = NDArray[np.float64]
_TABLE = "natech_damage_classifications"


@dataclass(frozen=True)
class DamageResult:
    """Damage and LOC probabilities of a unit at ``n`` intensities (RAPID-N's three levels).

    ``exceedance[i, k]`` is P(DS >= states[k + 1]) at intensity ``i`` (one column per state above
    the first); ``probabilities[i, k]`` the probability of being *in* ``states[k]`` (each row sums
    to 1); ``loc_states[k]`` and ``release_fractions[k]`` the LOC state and released fraction of
    the content of ``states[k]``.
    """

    model: str
    classification: str
    states: tuple[str, ...]
    loc_states: tuple[str, ...]
    release_fractions: FloatArray
    exceedance: FloatArray
    probabilities: FloatArray
    warnings: tuple[str, ...] = ()
    validity: tuple[Validity, ...] = ()

    @property
    def expected_release_fraction(self) -> FloatArray:
        """Expected released fraction of the content per intensity: sum of P(ds) x fraction."""
        out: FloatArray = self.probabilities @ self.release_fractions
        return out

    def loc_probabilities(self) -> dict[str, FloatArray]:
        """Probability of each LOC state per intensity (states sharing a LOC state are added)."""
        out: dict[str, FloatArray] = {}
        for k, loc in enumerate(self.loc_states):
            col = self.probabilities[:, k]
            out[loc] = out[loc] + col if loc in out else col.copy()
        return out

    def to_json(self) -> dict[str, Any]:
        """Plain JSON-ready dict (lists per intensity)."""
        return {
            "model": self.model,
            "classification": self.classification,
            "states": [
                {"damage_state": s, "loc_state": loc, "release_fraction": float(f)}
                for s, loc, f in zip(
                    self.states, self.loc_states, self.release_fractions, strict=True
                )
            ],
            "exceedance": self.exceedance.tolist(),
            "probabilities": self.probabilities.tolist(),
            "expected_release_fraction": self.expected_release_fraction.tolist(),
            "warnings": list(self.warnings),
            "validity": [v.to_json() for v in self.validity],
        }


@dataclass(frozen=True)
class Classification:
    """A damage classification: ordered damage states with their LOC states and fractions."""

    name: str
    states: tuple[str, ...]
    descriptions: tuple[str, ...]
    loc_states: tuple[str, ...]
    release_fractions: tuple[float, ...]

    def result(
        self,
        model: str,
        exceedance: FloatArray,
        *,
        warnings: Sequence[str],
        validity: Sequence[Validity],
    ) -> DamageResult:
        """The :class:`DamageResult` from exceedance probabilities (``n`` x states-1, each row
        non-increasing: :func:`state_probabilities` takes the differences)."""
        exc = np.atleast_2d(np.asarray(exceedance, dtype=float))
        if exc.shape[1] != len(self.states) - 1:
            raise ValueError(
                f"{model}: {exc.shape[1]} exceedance curves for the {len(self.states)} states "
                f"of {self.name}"
            )
        return DamageResult(
            model,
            self.name,
            self.states,
            self.loc_states,
            np.asarray(self.release_fractions, dtype=float),
            exc,
            state_probabilities(exc),
            tuple(warnings),
            tuple(validity),
        )


def state_probabilities(exceedance: FloatArray) -> FloatArray:
    """P(DS = ds_k) from P(DS >= ds_k), k >= 2: differences of consecutive curves.

    >>> state_probabilities(np.array([[0.8, 0.3, 0.1]])).round(2).tolist()
    [[0.2, 0.5, 0.2, 0.1]]
    """
    exc = np.atleast_2d(exceedance)
    ones = np.ones((exc.shape[0], 1))
    zeros = np.zeros((exc.shape[0], 1))
    upper = np.hstack([ones, exc])
    lower = np.hstack([exc, zeros])
    out: FloatArray = upper - lower
    return out


@functools.cache
def classification(name: str) -> Classification:
    """The damage classification ``name`` of ``natech_damage_classifications.csv``."""
    rows = [r for r in load_table(_TABLE) if r["classification"] == name]
    if not rows:
        known = sorted({r["classification"] for r in load_table(_TABLE)})
        raise ReferenceDataError(f"{_TABLE}.csv has no classification {name!r} (known: {known})")
    fractions = tuple(float(r["release_fraction"]) for r in rows)
    if any(not 0.0 <= f <= 1.0 for f in fractions) or list(fractions) != sorted(fractions):
        raise ReferenceDataError(
            f"{_TABLE}.csv, {name}: release fractions must lie in [0, 1] and grow with the "
            f"damage state, got {fractions}"
        )
    return Classification(
        name,
        tuple(r["damage_state"] for r in rows),
        tuple(r["description"] for r in rows),
        tuple(r["loc_state"] for r in rows),
        fractions,
    )
