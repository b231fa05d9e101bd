"""Ground-motion estimators of RAPID-N: the PGA at a site from an earthquake's source.

RAPID-N fills a site's hazard parameters from "property estimators" when no hazard map is
loaded (https://rapidn.jrc.ec.europa.eu/TR/hazard-maps). Two of them are reproduced here from
the formulas on their RAPID-N pages, with RAPID-N's validation values as tests; the
coefficients are rows of ``natech_coefficients.csv``.

* :class:`Boatwright2003`: f1 = 1.45 + c (Mw - 5.5), c = 0.31 above Mw 5.5 else 1;
  f2 = d_h below 27.5 km, else 27.5 (d_h/27.5)^0.7; f3 = 0.0073 10^(-0.3 (Mw - 5.5)) above
  Mw 5.5, else 0.0073; PGA[g] = 10^(f1 - log10 f2 - f3 d_h + log10 amp) / 9.81, amp the NEHRP
  site factor (A/B 0.79, C 1.00, D 1.35, E 1.64). Valid for Mw 3.3-9.1, d_h < 370 km.
* :class:`Singh1993`: R0 = sqrt(d_h^2 + exp(0.47 Ms)^2); G0 = R0, or sqrt(100 R0) when R0 > 100;
  log10 PGA[cm/s2] = 2.74 + 0.212 Ms - 0.99 log10 G0 - 0.000943 R0. Valid (as narrowed by JRC)
  for Ms 6-7.6 and d_h 6-210 km. The result is returned in g (divided by the standard gravity).

>>> round(float(Boatwright2003().pga_g(magnitude=5.0, hypocentral_distance_km=10.0)[0]), 4)
0.0768
>>> round(float(Singh1993().pga_cm_s2(magnitude=5.0, hypocentral_distance_km=10.0)[0]), 3)
433.403
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from typing import ClassVar

import numpy as np

from hazatlas.models.base import PublishedModel, input_problem, raise_problems
from hazatlas.models.natech.damage import FloatArray
from hazatlas.models.natech.flood import coefficient, positive
from hazatlas.models.natech.fragility import intensities

SITE_CLASSES = ("A", "B", "C", "D", "E")


class Boatwright2003(PublishedModel):
    """Boatwright et al. (2003) PGA as the RAPID-N property estimator."""

    name: ClassVar[str] = "boatwright2003-pga"
    source: ClassVar[str] = (
        "Boatwright et al. (2003), as given by RAPID-N property estimator 61 "
        "(natech_coefficients.csv)"
    )
    inputs: ClassVar[Mapping[str, str]] = {"magnitude": "Mw", "hypocentral_distance_km": "km"}
    validity: ClassVar[Mapping[str, tuple[float, float]]] = {
        "magnitude": (3.3, 9.1),
        "hypocentral_distance_km": (0.0, 370.0),
    }
    validity_basis = "RAPID-N property estimator 61"

    def pga_g(
        self,
        *,
        magnitude: float,
        hypocentral_distance_km: float | Sequence[float] | FloatArray,
        site_class: str = "C",
    ) -> FloatArray:
        """PGA (g) at each hypocentral distance."""
        d = intensities("hypocentral_distance_km", hypocentral_distance_km)
        positive({"magnitude": magnitude})
        if site_class not in SITE_CLASSES:
            raise_problems(
                [input_problem("site_class", f"{site_class!r}: expected one of A, B, C, D, E")]
            )
        c = functools.partial(coefficient, "boatwright2003")
        m0 = c("f1_m0")
        above = magnitude > m0
        f1 = c("f1_a") + (c("c_high") if above else c("c_low")) * (magnitude - m0)
        r0 = c("r0_km")
        f2 = np.where(d <= r0, d, r0 * (d / r0) ** c("f2_exp"))
        f3 = c("f3_a") * (10 ** (c("f3_b") * (magnitude - m0)) if above else 1.0)
        with np.errstate(divide="ignore"):
            log_pga = f1 - np.log10(f2) - f3 * d + math.log10(c(f"amp_{site_class}"))
        out: FloatArray = 10**log_pga / c("g_m_s2")
        return out


class Singh1993(PublishedModel):
    """Singh et al. (1993) PGA as the RAPID-N property estimator."""

    name: ClassVar[str] = "singh1993-pga"
    source: ClassVar[str] = (
        "Singh et al. (1993), as given by RAPID-N property estimator 78 (natech_coefficients.csv)"
    )
    inputs: ClassVar[Mapping[str, str]] = {"magnitude": "Ms", "hypocentral_distance_km": "km"}
    validity: ClassVar[Mapping[str, tuple[float, float]]] = {
        "magnitude": (6.0, 7.6),
        "hypocentral_distance_km": (6.0, 210.0),
    }
    validity_basis = "RAPID-N property estimator 78 (Ms range narrowed by JRC from 3-7.6)"

    def pga_cm_s2(
        self, *, magnitude: float, hypocentral_distance_km: float | Sequence[float] | FloatArray
    ) -> FloatArray:
        """PGA (cm/s2, the unit of the published equation) at each hypocentral distance."""
        d = intensities("hypocentral_distance_km", hypocentral_distance_km)
        positive({"magnitude": magnitude})
        c = functools.partial(coefficient, "singh1993")
        r0 = np.sqrt(d**2 + math.exp(c("e") * magnitude) ** 2)
        g0 = np.where(r0 > c("r_far_km"), np.sqrt(c("r_far_km") * r0), r0)
        out: FloatArray = 10 ** (c("a") + c("b") * magnitude - c("c") * np.log10(g0) - c("d") * r0)
        return out

    def pga_g(
        self, *, magnitude: float, hypocentral_distance_km: float | Sequence[float] | FloatArray
    ) -> FloatArray:
        """PGA in g (cm/s2 divided by the standard gravity, 980.665 cm/s2)."""
        cm = self.pga_cm_s2(magnitude=magnitude, hypocentral_distance_km=hypocentral_distance_km)
        out: FloatArray = cm / (100.0 * coefficient("flotation", "g_m_s2"))
        return out
