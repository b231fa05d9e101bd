"""The map's risk colourings: sites coloured by the Water Risk Index or the Tailings Hazard
Index that their screening stored (``assessment`` kind ``screening``, keys ``wri`` and ``thi``;
:mod:`hazatlas.services.screen_indices`).

Both indices derive from confidential inventories and tailings details, so, as in the ranking
(:data:`hazatlas.services.ranking.CONFIDENTIAL_SCREENING_KEYS`), a site's class is sent only to
a user who may read that site in full (:func:`hazatlas.domain.access.full_read_check`); for the
others it is :data:`WITHHELD`. A site without the index (no inventory, not a tailings facility)
is :data:`NOT_ASSESSED`.

Classes:

* **WRI**: the classes of the ICPDR's map of accident risk spots (ICPDR Map 8, UNDP/GEF Danube
  Regional Project, groups sites into WRI classes 5-6, 6-7, 7-8 and 8-9; cited in
  :mod:`hazatlas.indices.water_risk`), with "below 5" and "9 and above" for the values outside
  them. The WRI formula itself is unconfirmed (see that module).
* **THI**: hazatlas's THI is a hazatlas design (:mod:`hazatlas.indices.tailings_hazard`) with
  no published classes; the map shows it in classes two points wide from 12 (below 12, 12-14,
  14-16, 16 and above): a display choice of hazatlas, not a published scale.

The GISTM consequence class has a place in the stored screening (``consequence_class``) but the
screening stores none yet (it needs the population at risk and the losses, which the register
does not hold), so the map does not offer it.

A cluster shows the highest class among the sites of it that the user may read.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from hazatlas.domain.access import Principal, full_read_check

WITHHELD = "withheld"
NOT_ASSESSED = "not assessed"


class RiskScale:
    """Classes of one index: ``labels[i]`` for values below ``bounds[i]`` (and at or above
    ``bounds[i - 1]``), the last label for values at or above the last bound."""

    def __init__(self, key: str, bounds: Sequence[float], labels: Sequence[str]) -> None:
        assert len(labels) == len(bounds) + 1
        self.key = key
        self.bounds = np.asarray(bounds, dtype=float)
        self.labels = tuple(labels)
        #: every label, lowest first (``NOT_ASSESSED`` and ``WITHHELD`` below the classes)
        self.order = (NOT_ASSESSED, WITHHELD, *self.labels)

    def classify(self, values: np.ndarray) -> np.ndarray:
        """The class label of each value (``NOT_ASSESSED`` for NaN).

        >>> WRI.classify(np.array([4.2, 5.0, 8.99, 11.7, np.nan])).tolist()
        ['below 5', '5-6', '8-9', '9 and above', 'not assessed']
        """
        found = np.searchsorted(self.bounds, np.nan_to_num(values, nan=-np.inf), side="right")
        out = np.array(self.labels, dtype=object)[found]
        out[np.isnan(values)] = NOT_ASSESSED
        return out

    def highest(self, labels: np.ndarray, groups: np.ndarray, n: int) -> list[str]:
        """The highest label of each of ``n`` groups (``groups[i]``: the group of ``labels[i]``).

        >>> WRI.highest(np.array(["5-6", "withheld", "7-8", "not assessed"], dtype=object),
        ...             np.array([0, 0, 0, 1]), 2)
        ['7-8', 'not assessed']
        """
        codes = np.zeros(len(labels), dtype=np.int64)
        for j, label in enumerate(self.order):
            codes[labels == label] = j
        top = np.zeros(n, dtype=np.int64)
        np.maximum.at(top, groups, codes)
        return [self.order[j] for j in top]


WRI = RiskScale("wri", (5, 6, 7, 8, 9), ("below 5", "5-6", "6-7", "7-8", "8-9", "9 and above"))
THI = RiskScale("thi", (12, 14, 16), ("below 12", "12-14", "14-16", "16 and above"))
SCALES = {s.key: s for s in (WRI, THI)}


def readable(principal: Principal, ids: Sequence[str], disclosure: np.ndarray,
             country: np.ndarray) -> np.ndarray:
    """Which sites ``principal`` may read in full (the access rule, decided once per
    disclosure level and country except for an operator)."""
    check = full_read_check(principal)
    return np.fromiter((check(d, c, i) for d, c, i in zip(disclosure, country, ids, strict=True)),
                       dtype=bool, count=len(ids))
