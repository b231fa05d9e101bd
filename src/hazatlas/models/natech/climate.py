"""Climate change factors for Natech screening: how a hazard changes under a climate scenario.

Two kinds of change factor, per hazard, intensity measure, return period, scenario and horizon
(docs/natech.md, section "Climate"):

* **Intensity ratio**: f = I_future(T) / I_baseline(T), the future intensity of the event with
  return period T over today's, at each site (from a baseline and a future layer of the same
  hazard, intensity measure, unit and return period). Undefined where the baseline intensity is
  0 (a dry cell today): the ratio is then ``None`` and the reason is given.
* **Shifted return period** of today's design event: the return period T' at which the future
  hazard curve reaches I_baseline(T_d), today's intensity at the design return period T_d.
  The future curve, given at return periods T_1 < ... < T_n, is interpolated linearly in the
  intensity against ln T (the usual plotting of a hazard curve; a hazatlas choice, exact at the
  given T_i); T' < T_d means today's design event becomes more frequent. Outside the future
  curve's range T' is only bounded (``below`` T_1 or ``above`` T_n) and no value is invented.

A **change factor table** (``hazatlas.formats.climate_factors``) gives ratios f entered by the
user with their source and status; :func:`apply_factor` scales a baseline intensity by one.
Applying an intensity ratio to another dataset's baseline (the method the reference notes
propose for the JRC maps with TU Delft/RAIN or WRI Aqueduct ratios) assumes the ratio carries
over between models: a screening assumption.

>>> round(intensity_ratio(2.0, 2.5).factor, 3)
1.25
>>> intensity_ratio(0.0, 0.4).note
'baseline intensity is 0 (no hazard today): the ratio is undefined'
>>> s = shifted_return_period(1.0, [10.0, 100.0], [0.5, 1.5])
>>> round(s.return_period_years, 2), s.bound
(31.62, 'within')
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

#: status words of a change factor (as in the reference notes, plus the project's own)
STATUSES = ("confirmed", "partially confirmed", "unconfirmed", "hazatlas assumption")


@dataclass(frozen=True)
class ChangeFactor:
    """One row of a change factor table: intensity ratio of one event under one scenario.

    ``region`` is an ISO3 country code or ``*`` (anywhere); ``basin`` a river basin's name or
    ``*``. The factor multiplies the baseline intensity of the same hazard, intensity measure
    and return period."""

    hazard: str
    intensity_measure: str
    region: str
    basin: str
    scenario: str
    horizon: str
    return_period_years: float
    factor: float
    source: str
    status: str

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready dict."""
        return dict(self.__dict__)

    def specificity(self, country: str, basin: str | None) -> int | None:
        """How closely the row fits a site (2 = country and basin, 1 = one of them, 0 = ``*``
        for both); ``None`` when it does not apply to the site."""
        score = 0
        if self.region != "*":
            if self.region != country:
                return None
            score += 1
        if self.basin != "*":
            if basin is None or self.basin.casefold() != basin.casefold():
                return None
            score += 1
        return score


@dataclass(frozen=True)
class Ratio:
    """An intensity ratio at one site (``None`` when undefined, ``note`` says why)."""

    factor: float | None
    note: str = ""


def intensity_ratio(baseline: float | None, future: float | None) -> Ratio:
    """f = future / baseline at one site (see the module)."""
    if baseline is None or future is None:
        return Ratio(None, "no value in the baseline or the future layer at the site")
    if not (math.isfinite(baseline) and math.isfinite(future)) or baseline < 0 or future < 0:
        return Ratio(None, f"intensities must be finite and >= 0 (got {baseline!r}, {future!r})")
    if baseline == 0.0:
        return Ratio(None, "baseline intensity is 0 (no hazard today): the ratio is undefined")
    return Ratio(future / baseline)


@dataclass(frozen=True)
class ShiftedReturnPeriod:
    """Return period (years) at which the future curve reaches today's design intensity.

    ``bound``: ``within`` (interpolated), ``below`` (the future curve exceeds the intensity
    already at its shortest return period: T' < that period, given as the value) or ``above``
    (not reached at its longest: T' > that period)."""

    return_period_years: float | None
    bound: str
    note: str = ""


def shifted_return_period(
    design_intensity: float, return_periods: Sequence[float], future: Sequence[float | None]
) -> ShiftedReturnPeriod:
    """T' where the future curve (``future[i]`` at ``return_periods[i]``) reaches
    ``design_intensity`` (linear in the intensity against ln T; see the module)."""
    pairs = sorted(
        (float(t), float(v)) for t, v in zip(return_periods, future, strict=True) if v is not None
    )
    if not math.isfinite(design_intensity) or design_intensity <= 0:
        return ShiftedReturnPeriod(None, "none", "today's design intensity is 0 or missing")
    if len(pairs) < 2:
        return ShiftedReturnPeriod(
            None, "none", "the future layers give fewer than two return periods at the site"
        )
    values = [v for _, v in pairs]
    if any(b < a for a, b in zip(values, values[1:], strict=False)):
        return ShiftedReturnPeriod(
            None, "none", "the future intensities decrease with the return period: not a curve"
        )
    if design_intensity <= values[0]:
        return ShiftedReturnPeriod(pairs[0][0], "below", "reached already at the shortest "
                                   "return period of the future layers")
    if design_intensity > values[-1]:
        return ShiftedReturnPeriod(pairs[-1][0], "above", "not reached at the longest return "
                                   "period of the future layers")
    for (t0, v0), (t1, v1) in zip(pairs, pairs[1:], strict=False):
        if design_intensity == v1:
            return ShiftedReturnPeriod(t1, "within")
        if v0 < design_intensity < v1:
            w = (design_intensity - v0) / (v1 - v0)
            return ShiftedReturnPeriod(
                math.exp(math.log(t0) + w * (math.log(t1) - math.log(t0))), "within"
            )
    raise AssertionError("unreachable: the design intensity lies within the curve")


def apply_factor(baseline: float, factor: float) -> float:
    """The future intensity f x I_baseline (f > 0, I >= 0; no clamping)."""
    if not (math.isfinite(factor) and factor > 0):
        raise ValueError(f"change factor {factor!r}: expected a finite number > 0")
    if not (math.isfinite(baseline) and baseline >= 0):
        raise ValueError(f"baseline intensity {baseline!r}: expected a finite number >= 0")
    return baseline * factor


def best_factor(
    rows: Sequence[ChangeFactor], *, hazard: str, intensity_measure: str,
    return_period_years: float, country: str, basin: str | None,
) -> list[ChangeFactor]:
    """The rows that apply to a site and a baseline event, one per (scenario, horizon): the
    most specific (country and basin over one of them over ``*``)."""
    best: dict[tuple[str, str], tuple[int, ChangeFactor]] = {}
    for row in rows:
        if (row.hazard, row.intensity_measure.casefold(), row.return_period_years) != (
            hazard, intensity_measure.casefold(), return_period_years
        ):
            continue
        score = row.specificity(country, basin)
        if score is None:
            continue
        key = (row.scenario, row.horizon)
        if key not in best or score > best[key][0]:
            best[key] = (score, row)
    return [best[k][1] for k in sorted(best)]
