"""Reported damage in RAPID-N's terms, and how it raises a unit's release assumptions.

A damage event of the register (``hazatlas.domain.damage``) gives an **extent** (none, minor,
moderate, severe, destroyed). ``natech_damage_extent.csv`` maps each extent to a damage state
of RAPID-N's classifications by the HAZUS wording of the state (hazatlas design; the states,
their wording and the default DS -> LOC mapping are confirmed from RAPID-N,
https://rapidn.jrc.ec.europa.eu/TR/hasar-siniflandirmasi/5 and
https://rapidn.jrc.ec.europa.eu/risk_state/list): none DS1, minor DS2, moderate DS3 ("only minor
loss of content"), severe DS4 ("with loss of content"), destroyed DS5 ("loss of all content").
The state's LOC state and release fraction are those of ``natech_damage_classifications.csv``
(DS2-DS4 fractions are a hazatlas assumption, as there).

**Rule (hazatlas design).** Damage is not undone until it is repaired, so a damaged unit is *at
least* in its reported state in any later event: its release fraction in an event is
max(f(ds), f_reported) for each damage state ds the fragility curve gives, and the expected
release fraction becomes

    E'[f] = sum_ds P(ds) * max(f(ds), f_reported)

which, for the HAZUS classification, is the damage-state distribution with the probability of
the states below the reported one moved to it. It never lowers a release, changes nothing for
an undamaged unit (f_reported = 0), and is 1 for a destroyed unit. ``loss_of_content`` says
whether the reported state loses content by its wording (DS3 and above): such a site ranks
before undamaged ones (``services/damage_effect.py``).

>>> reported_state("severe").loc_state, reported_state("severe").release_fraction
('Major', 0.5)
>>> import numpy as np
>>> float(floored_fraction(np.array([[0.5, 0.4, 0.1, 0.0, 0.0]]),
...                        np.array([0.0, 0.01, 0.1, 0.5, 1.0]), 0.1)[0])
0.1
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from hazatlas.domain.errors import ReferenceDataError
from hazatlas.domain.reference import load_table
from hazatlas.models.natech.damage import classification

_TABLE = "natech_damage_extent"
TANKS = "hazus-2010-storage-tank"
DAMS = "tailings-dam"
LOSS_OF_CONTENT_FROM = "DS3"


@dataclass(frozen=True)
class ReportedState:
    """The damage state, LOC state and release fraction of a reported extent."""

    extent: str
    classification: str
    damage_state: str
    loc_state: str
    release_fraction: float
    loss_of_content: bool

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


@functools.cache
def reported_state(extent: str, kind: str = TANKS) -> ReportedState:
    """The state of ``extent`` in the classification ``kind`` (tanks or ``tailings-dam``)."""
    rows = [r for r in load_table(_TABLE) if r["extent"] == extent and r["classification"] == kind]
    if len(rows) != 1:
        raise ReferenceDataError(f"{_TABLE}.csv has no single row for {extent!r} in {kind!r}")
    c = classification(kind)
    k = c.states.index(rows[0]["damage_state"])
    return ReportedState(extent, kind, c.states[k], c.loc_states[k], c.release_fractions[k],
                         k >= c.states.index(LOSS_OF_CONTENT_FROM) if kind == TANKS
                         else c.release_fractions[k] > 0)


def floored_fraction(probabilities: NDArray[np.float64], fractions: NDArray[np.float64],
                     floor: float) -> NDArray[np.float64]:
    """Expected release fraction per intensity with every state's fraction at least ``floor``
    (the module's rule): ``probabilities`` n x states, ``fractions`` per state."""
    out: NDArray[np.float64] = np.asarray(probabilities) @ np.maximum(np.asarray(fractions), floor)
    return out
