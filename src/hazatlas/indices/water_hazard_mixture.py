"""Water hazard class of a mixture from its composition (AwSV 2017 Anlage 1 Nr. 5.2 and 2.2).

The class of a mixture is computed from the classes and mass fractions of its components:

- WGK 3 if it contains a carcinogenic WGK 3 substance, or the WGK 3 substances make up 3 % or
  more (Nr. 5.2.1);
- else WGK 2 if it contains a carcinogenic WGK 2 substance, the WGK 2 substances make up 5 % or
  more, or a single non-carcinogenic WGK 3 substance is 0.2 % or more (Nr. 5.2.2);
- else WGK 1 if any criterion for "not hazardous to water" (Nr. 2.2) fails (Nr. 5.2.3);
- else not hazardous to water (``0``).

Percentages of WGK 2 and 3 substances are multiplied by their CLP M-factor (Nr. 1.4, 5.1.4).
Carcinogenic substances count from 0.1 %, other substances from 0.2 % (Nr. 5.1.3, 5.1.4).
Unidentified substances are treated as WGK 3 (Nr. 5.1.1). The thresholds are read from
``awsv_wgk_thresholds.csv`` (confirmed against the text of the AwSV).

>>> mixture_wgk([MixtureComponent("toluene", 2.0, 2), MixtureComponent("water", 98.0, 0)]).wgk
1
>>> mixture_wgk([MixtureComponent("x", 0.5, 3), MixtureComponent("water", 99.5, 0)]).wgk
2
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

from hazatlas.domain.errors import Problem, ValidationError
from hazatlas.indices.water_hazard import WGK_NWG, threshold

_TOL_PCT = 1e-6


@dataclass(frozen=True)
class MixtureComponent:
    """One component of a mixture.

    ``wgk`` is 0 (not hazardous to water), 1, 2 or 3, or ``None`` for an unidentified or
    unclassified component (treated as WGK 3, AwSV Anlage 1 Nr. 5.1.1). ``carcinogenic``
    in the sense of Nr. 1.2 (H350, not by inhalation only; see
    :func:`hazatlas.indices.water_hazard.is_carcinogenic`). ``m_factor`` is the CLP
    M-factor (1 if none).
    """

    name: str
    mass_fraction_pct: float
    wgk: int | None
    carcinogenic: bool = False
    m_factor: float = 1.0


@dataclass(frozen=True)
class MixtureWgk:
    """Result: ``wgk`` (0 = not hazardous to water, 1-3), the AwSV rule that decided it,
    and reasons."""

    wgk: int
    rule: str
    reasons: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready dict."""
        d = asdict(self)
        d["reasons"] = list(self.reasons)
        return d


def _effective_pct(c: MixtureComponent, wgk: int) -> float:
    """Mass fraction times the M-factor for WGK 2 and 3 substances (Nr. 1.4, 5.1.4)."""
    return c.mass_fraction_pct * (c.m_factor if wgk >= 2 else 1.0)


def _validate(components: Sequence[MixtureComponent]) -> None:
    problems = []
    for i, c in enumerate(components):
        if not 0.0 <= c.mass_fraction_pct <= 100.0:
            problems.append(
                Problem(
                    "mixture",
                    None,
                    f"components[{i}].mass_fraction_pct",
                    f"{c.name}: expected 0-100 %, got {c.mass_fraction_pct}",
                )
            )
        if c.wgk is not None and c.wgk not in (0, 1, 2, 3):
            problems.append(
                Problem(
                    "mixture",
                    None,
                    f"components[{i}].wgk",
                    f"{c.name}: expected 0 (nwg), 1, 2, 3 or none, got {c.wgk}",
                )
            )
        if c.m_factor < 1.0:
            problems.append(
                Problem(
                    "mixture",
                    None,
                    f"components[{i}].m_factor",
                    f"{c.name}: an M-factor is 1 or more, got {c.m_factor}",
                )
            )
    total = sum(c.mass_fraction_pct for c in components)
    if total > 100.0 + _TOL_PCT:
        problems.append(
            Problem(
                "mixture",
                None,
                "mass_fraction_pct",
                f"the mass fractions add up to {total:g} %, more than 100 %",
            )
        )
    if problems:
        raise ValidationError(problems)


def mixture_wgk(
    components: Sequence[MixtureComponent],
    *,
    remainder_wgk: int | None = None,
    other_nwg_criteria_met: bool = False,
) -> MixtureWgk:
    """Water hazard class of a mixture from its components (AwSV 2017 Anlage 1 Nr. 5.2).

    Fractions that add up to less than 100 % leave a remainder of class ``remainder_wgk``
    (``None``: unidentified, treated as WGK 3 by Nr. 5.1.1; pass 0 for water).
    ``other_nwg_criteria_met`` states that the criteria of Nr. 2.2 e-i that a composition cannot
    show (no carcinogenic, WGK 3 or unknown substances, dispersants or emulsifiers deliberately
    added; does not float) hold; without it a mixture is at least WGK 1.

    >>> mixture_wgk([MixtureComponent("benzene", 0.15, 3, carcinogenic=True)],
    ...             remainder_wgk=0).rule
    'Nr. 5.2.1 a'
    """
    _validate(components)
    parts = list(components)
    rest = 100.0 - sum(c.mass_fraction_pct for c in parts)
    if rest > _TOL_PCT:
        parts.append(MixtureComponent("(remainder)", rest, remainder_wgk))
    carc_min = threshold("consider_carcinogen_pct")
    other_min = threshold("consider_other_pct")
    sums = {0: 0.0, 1: 0.0, 2: 0.0, 3: 0.0}
    single = {2: 0.0, 3: 0.0}  # largest single non-carcinogenic considered fraction
    carc = {1: False, 2: False, 3: False}
    carc_below = False
    unidentified = 0.0
    for c in parts:
        wgk = 3 if c.wgk is None else c.wgk
        if c.wgk is None:
            unidentified += c.mass_fraction_pct
        pct = _effective_pct(c, wgk)
        if c.carcinogenic and wgk > 0:
            if pct >= carc_min:
                carc[wgk] = True
                sums[wgk] += pct
            else:
                carc_below = True
            continue
        if pct < other_min:
            if wgk > 0:
                sums[wgk] += pct  # counts towards the nwg limits of Nr. 2.2 only
            continue
        sums[wgk] += pct
        if wgk in single:
            single[wgk] = max(single[wgk], pct)
    return _decide(sums, single, carc, carc_below, unidentified, other_nwg_criteria_met)


def _decide(
    sums: dict[int, float],
    single: dict[int, float],
    carc: dict[int, bool],
    carc_below: bool,
    unidentified: float,
    other_ok: bool,
) -> MixtureWgk:
    pct3 = f"WGK 3 content {sums[3]:g} %"
    if carc[3]:
        return MixtureWgk(3, "Nr. 5.2.1 a", ("contains a carcinogenic WGK 3 substance",))
    if sums[3] >= threshold("wgk3_sum_pct"):
        return MixtureWgk(3, "Nr. 5.2.1 b", (f"{pct3} >= {threshold('wgk3_sum_pct'):g} %",))
    if carc[2]:
        return MixtureWgk(2, "Nr. 5.2.2 a", ("contains a carcinogenic WGK 2 substance",))
    if sums[2] >= threshold("wgk2_sum_pct"):
        return MixtureWgk(
            2, "Nr. 5.2.2 b", (f"WGK 2 content {sums[2]:g} % >= {threshold('wgk2_sum_pct'):g} %",)
        )
    if single[3] >= threshold("wgk2_single_wgk3_pct"):
        return MixtureWgk(
            2,
            "Nr. 5.2.2 c",
            (
                f"a non-carcinogenic WGK 3 substance at {single[3]:g} % >= "
                f"{threshold('wgk2_single_wgk3_pct'):g} %",
            ),
        )
    if carc[1] or carc_below:
        return MixtureWgk(1, "Nr. 5.2.3 a", ("contains carcinogenic substances",))
    if single[2] >= threshold("wgk1_single_wgk2_pct"):
        return MixtureWgk(1, "Nr. 5.2.3 b", (f"a WGK 2 substance at {single[2]:g} %",))
    if sums[1] >= threshold("wgk1_sum_wgk1_pct"):
        return MixtureWgk(1, "Nr. 5.2.3 d", (f"WGK 1 content {sums[1]:g} %",))
    failed = _nwg_failures(sums, unidentified, other_ok)
    if failed:
        return MixtureWgk(1, "Nr. 5.2.3 e", tuple(f"not nwg: {f}" for f in failed))
    return MixtureWgk(WGK_NWG, "Nr. 2.2", ("all criteria for not hazardous to water are met",))


def _nwg_failures(sums: dict[int, float], unidentified: float, other_ok: bool) -> list[str]:
    failed = []
    for wgk, item in ((1, "nwg_max_wgk1_pct"), (2, "nwg_max_wgk2_pct"), (3, "nwg_max_wgk3_pct")):
        if sums[wgk] >= threshold(item):
            failed.append(f"WGK {wgk} content {sums[wgk]:g} % >= {threshold(item):g} % (Nr. 2.2)")
    if unidentified >= threshold("nwg_max_unidentified_pct"):
        failed.append(f"unidentified content {unidentified:g} % (Nr. 2.2 d)")
    if not other_ok:
        failed.append("criteria Nr. 2.2 e-i not stated as met")
    return failed
