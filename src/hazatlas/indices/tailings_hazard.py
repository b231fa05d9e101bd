"""Tailings Hazard Index (THI) of a tailings management facility (TMF): a hazatlas design.

The UNECE/UBA TMF methodology (UBA 2016, updated 2020 with the ICPDR;
https://unece.org/info/Environment-Policy/Industrial-accidents/pub/369164) ranks TMFs by a THI
built from five parameters: capacity (volume of tailings), toxicity of the tailings (water
hazard class), management status, natural conditions (seismicity, flooding) and dam safety.
That STRUCTURE is followed here. The published scoring (the UBA spreadsheet) was NOT available,
so the scores below are a transparent **hazatlas design**, with every number in
``hazatlas_thi_scoring.csv``; a hazatlas THI is not comparable with THI values published by
UBA/ICPDR.

THI = capacity + toxicity + management + natural + dam_safety, where

- capacity = log10(max(V, 1 m3)), V the stored volume in m3 (estimated as 0.5 x area x dam
  height when only those are given; precautionary 6 when nothing is given);
- toxicity = the highest WGK (0-3) of the facility's inventory lines (given or derived by the
  AwSV rules); 3 when none is known (AwSV 2017 Sec. 3 (4));
- management = status score (active 0, inactive 1, abandoned 2) + inspection age score (0-1);
- natural = seismic score from the 475-year PGA (0-2) + flood score (0-1);
- dam_safety = dam height score (0-2) + construction method score (0-1) + 1 if damaged.

Inputs that are not given get the precautionary score of the CSV and are listed in ``missing``.
Every component only grows with a worse input, so the THI never drops when volume, dam height,
PGA or the inspection age grow or the status worsens.

>>> from hazatlas.domain.establishment import Establishment, EstablishmentKind
>>> from hazatlas.domain.tailings import TailingsDetails
>>> import datetime as dt
>>> e = Establishment("T1", "pond", "ROU", 23.6, 47.7, kind=EstablishmentKind.TAILINGS,
...                   tailings=TailingsDetails(stored_volume_m3=1e6, dam_height_m=20.0))
>>> r = tailings_hazard_index(e, seismic_pga_g=0.12, flood_prone=False, as_of=dt.date(2026, 1, 1))
>>> r.value, [c.score for c in r.components]
(12.5, [6.0, 3.0, 1.0, 1.0, 1.5])
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from hazatlas.domain.errors import HazatlasError, Problem, ValidationError
from hazatlas.domain.establishment import Establishment, EstablishmentKind, EstablishmentStatus
from hazatlas.domain.reference import load_table
from hazatlas.domain.tailings import TailingsDetails, TailingsStatus
from hazatlas.indices.water_risk import line_wgk

_TABLE = "hazatlas_thi_scoring"
METHOD = (
    "hazatlas THI design v1: structure of the UNECE/UBA TMF methodology (capacity, toxicity, "
    "management, natural conditions, dam safety); scoring is a hazatlas design, NOT the "
    "published UBA/ICPDR scoring (hazatlas_thi_scoring.csv)"
)
_STATUS_FROM_ESTABLISHMENT = {
    EstablishmentStatus.OPERATING: TailingsStatus.ACTIVE,
    EstablishmentStatus.TEMPORARILY_STOPPED: TailingsStatus.INACTIVE,
    EstablishmentStatus.CLOSED: TailingsStatus.INACTIVE,
    EstablishmentStatus.ABANDONED: TailingsStatus.ABANDONED,
}


@dataclass(frozen=True)
class ThiComponent:
    """One THI component: its score, the inputs it used and why it got that score."""

    name: str
    score: float
    inputs: dict[str, object]
    reasons: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready dict."""
        return {
            "name": self.name,
            "score": self.score,
            "inputs": dict(self.inputs),
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True)
class TailingsHazardResult:
    """THI of one TMF: ``value`` = sum of the component scores (hazatlas design)."""

    establishment_id: str
    value: float
    components: tuple[ThiComponent, ...]
    missing: tuple[str, ...]
    method: str = METHOD
    caveats: tuple[str, ...] = field(
        default=(
            "The THI scoring is a hazatlas design; the published UBA/ICPDR THI scoring was not "
            "available. Values are comparable between hazatlas results only.",
        )
    )

    def component(self, name: str) -> ThiComponent:
        """The component called ``name`` (capacity, toxicity, management, natural, dam_safety)."""
        return next(c for c in self.components if c.name == name)

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready dict."""
        return {
            "establishment_id": self.establishment_id,
            "value": self.value,
            "method": self.method,
            "caveats": list(self.caveats),
            "missing": list(self.missing),
            "components": [c.to_dict() for c in self.components],
        }


@functools.cache
def _rows() -> tuple[dict[str, str], ...]:
    return load_table(_TABLE)


@functools.cache
def _values() -> dict[tuple[str, str, str], float]:
    return {(r["component"], r["parameter"], r["case"]): float(r["value"]) for r in _rows()}


@functools.cache
def _bands(component: str, parameter: str) -> tuple[tuple[float, float, float], ...]:
    return tuple(
        (
            float(r["lower"]) if r["lower"] else -math.inf,
            float(r["upper"]) if r["upper"] else math.inf,
            float(r["value"]),
        )
        for r in _rows()
        if (r["component"], r["parameter"], r["case"]) == (component, parameter, "band")
    )


def scoring_value(component: str, parameter: str, case: str) -> float:
    """The ``value`` of a row of ``hazatlas_thi_scoring.csv`` (hazatlas design).

    >>> scoring_value("dam_safety", "construction_method", "upstream")
    1.0
    """
    try:
        return _values()[(component, parameter, str(case))]
    except KeyError:
        raise KeyError(f"no row {component}/{parameter}/{case} in {_TABLE}.csv") from None


def band_score(component: str, parameter: str, x: float) -> float:
    """Score of ``x`` in the half-open bands [lower, upper) of the CSV (blank = open end).

    >>> band_score("natural", "seismic_pga_g", 0.1), band_score("dam_safety", "dam_height_m", 80)
    (1.0, 2.0)
    """
    for low, high, value in _bands(component, parameter):
        if low <= x < high:
            return value
    raise KeyError(f"{parameter} = {x} is in no band of {_TABLE}.csv")


def _check(name: str, value: float | None, problems: list[Problem]) -> None:
    if value is not None and not (math.isfinite(value) and value >= 0.0):
        problems.append(Problem("parameter", None, name, f"expected a number >= 0, got {value}"))


def _volume(t: TailingsDetails) -> float | None:
    """Stored volume (m3): given, or estimated from area and dam height, or None."""
    if t.stored_volume_m3 is not None:
        return t.stored_volume_m3
    if t.area_m2 is not None and t.dam_height_m is not None:
        k = scoring_value("capacity", "stored_volume_m3", "estimate_factor")
        return k * t.area_m2 * t.dam_height_m
    return None


def _capacity_score(t: TailingsDetails) -> float:
    volume = _volume(t)
    if volume is None:
        return scoring_value("capacity", "stored_volume_m3", "missing")
    return math.log10(max(volume, scoring_value("capacity", "stored_volume_m3", "log10_floor")))


def _capacity(t: TailingsDetails, missing: list[str]) -> ThiComponent:
    inputs: dict[str, object] = {"stored_volume_m3": t.stored_volume_m3}
    score = _capacity_score(t)
    volume = _volume(t)
    if volume is None:
        missing.append("stored_volume_m3")
        return ThiComponent("capacity", score, inputs, ("volume unknown: precautionary score",))
    if t.stored_volume_m3 is not None:
        why = "stored volume given"
    else:
        k = scoring_value("capacity", "stored_volume_m3", "estimate_factor")
        why = f"volume estimated as {k:g} x area x dam height = {volume:.3g} m3"
        inputs["estimated_volume_m3"] = volume
    return ThiComponent("capacity", score, inputs, (why, f"log10(V / m3) = {score:.3g}"))


def _toxicity(e: Establishment, missing: list[str]) -> ThiComponent:
    classes = []
    for i, item in enumerate(e.inventory):
        wgk, basis, _ = line_wgk(item, i + 2)
        if basis != "assumed":
            classes.append((wgk, f"{item.substance_name}: WGK {wgk} ({basis})"))
    if not classes:
        missing.append("water_hazard_class")
        score = scoring_value("toxicity", "wgk", "missing")
        why = "no classified constituent: deemed WGK 3 (AwSV 2017 Sec. 3 (4))"
        return ThiComponent("toxicity", score, {"wgk": None}, (why,))
    wgk, why = max(classes)
    return ThiComponent(
        "toxicity",
        scoring_value("toxicity", "wgk", str(wgk)),
        {"wgk": wgk},
        (f"highest class: {why}",),
    )


def _management(e: Establishment, as_of: dt.date, missing: list[str]) -> ThiComponent:
    t = e.tailings or TailingsDetails()
    statuses = [s for s in (t.tailings_status, _STATUS_FROM_ESTABLISHMENT.get(e.status)) if s]
    if statuses:
        status = max(statuses, key=lambda s: scoring_value("management", "tailings_status", s))
        s_score = scoring_value("management", "tailings_status", status)
        reasons = [f"status {status.value}: {s_score:g}"]
    else:
        status, s_score = None, scoring_value("management", "tailings_status", "missing")
        missing.append("tailings_status")
        reasons = [f"status unknown: {s_score:g}"]
    if t.last_inspection is None:
        missing.append("last_inspection")
        i_score, age = scoring_value("management", "inspection_age_years", "missing"), None
        reasons.append(f"no inspection date: {i_score:g}")
    else:
        age = max((as_of - t.last_inspection).days / 365.25, 0.0)
        i_score = band_score("management", "inspection_age_years", age)
        reasons.append(f"last inspection {age:.1f} years before {as_of.isoformat()}: {i_score:g}")
    inputs: dict[str, object] = {
        "tailings_status": status.value if status else None,
        "inspection_age_years": age,
    }
    return ThiComponent("management", s_score + i_score, inputs, tuple(reasons))


def _natural(pga_g: float | None, flood_prone: bool | None, missing: list[str]) -> ThiComponent:
    if pga_g is None:
        missing.append("seismic_pga_g")
        s_score = scoring_value("natural", "seismic_pga_g", "missing")
    else:
        s_score = band_score("natural", "seismic_pga_g", pga_g)
    if flood_prone is None:
        missing.append("flood_prone")
    f_score = scoring_value(
        "natural", "flood_prone", str(flood_prone).lower() if flood_prone is not None else "missing"
    )
    reasons = (
        f"PGA {pga_g if pga_g is not None else 'unknown'} g: {s_score:g}",
        f"flood-prone {flood_prone if flood_prone is not None else 'unknown'}: {f_score:g}",
    )
    return ThiComponent(
        "natural", s_score + f_score, {"seismic_pga_g": pga_g, "flood_prone": flood_prone}, reasons
    )


def _dam_safety(e: Establishment, missing: list[str]) -> ThiComponent:
    t = e.tailings or TailingsDetails()
    if t.dam_height_m is None:
        missing.append("dam_height_m")
        h_score = scoring_value("dam_safety", "dam_height_m", "missing")
    else:
        h_score = band_score("dam_safety", "dam_height_m", t.dam_height_m)
    method = t.construction_method.value if t.construction_method else "missing"
    if method == "missing":
        missing.append("construction_method")
    m_score = scoring_value("dam_safety", "construction_method", method)
    reasons = [f"dam height {t.dam_height_m} m: {h_score:g}", f"construction {method}: {m_score:g}"]
    d_score = 0.0
    if e.status == EstablishmentStatus.DAMAGED:
        d_score = scoring_value("dam_safety", "establishment_status", "damaged")
        reasons.append(f"reported damaged: {d_score:g}")
    inputs: dict[str, object] = {
        "dam_height_m": t.dam_height_m,
        "construction_method": None,
        "damaged": e.status == EstablishmentStatus.DAMAGED,
    }
    if t.construction_method is not None:
        inputs["construction_method"] = t.construction_method.value
    return ThiComponent("dam_safety", h_score + m_score + d_score, inputs, tuple(reasons))


def tailings_hazard_index(
    establishment: Establishment,
    *,
    seismic_pga_g: float | None = None,
    flood_prone: bool | None = None,
    as_of: dt.date | None = None,
) -> TailingsHazardResult | None:
    """Tailings Hazard Index of a TMF (hazatlas design; structure of the UNECE/UBA method).

    ``seismic_pga_g``: peak ground acceleration with 10 % probability of exceedance in 50 years
    (475-year return period), in g. ``flood_prone``: the site lies in a flood-prone area.
    ``as_of``: date for the inspection age (default: today). Returns ``None`` for an
    establishment that is not a TMF (kind ``industrial`` and no tailings details).
    """
    if establishment.kind != EstablishmentKind.TAILINGS and establishment.tailings is None:
        return None
    t = establishment.tailings or TailingsDetails()
    problems: list[Problem] = []
    _check("seismic_pga_g", seismic_pga_g, problems)
    for name in ("stored_volume_m3", "dam_height_m", "area_m2"):
        _check(name, getattr(t, name), problems)
    if problems:
        raise ValidationError(problems)
    missing: list[str] = []
    components = (
        _capacity(t, missing),
        _toxicity(establishment, missing),
        _management(establishment, as_of or dt.date.today(), missing),
        _natural(seismic_pga_g, flood_prone, missing),
        _dam_safety(establishment, missing),
    )
    value = math.fsum(c.score for c in components)
    return TailingsHazardResult(establishment.id, value, components, tuple(missing))


@dataclass(frozen=True)
class ThiBatch:
    """THI values of many establishments (:func:`tailings_hazard_indices`).

    ``value`` is exactly the ``value`` of :func:`tailings_hazard_index` per establishment, nan
    where it returns ``None`` (not a TMF) or raises; ``errors`` maps positions to the errors.
    """

    value: np.ndarray
    errors: dict[int, HazatlasError] = field(default_factory=dict)


def tailings_hazard_indices(
    establishments: Sequence[Establishment],
    *,
    seismic_pga_g: float | None = None,
    flood_prone: bool | None = None,
    as_of: dt.date | None = None,
) -> ThiBatch:
    """Tailings Hazard Index values of many establishments (same scoring and values as
    :func:`tailings_hazard_index`, hazatlas design).

    Only the capacity score is computed per facility; the other four component scores depend
    on a few discrete inputs (statuses, inspection date, dam height and method, the water
    hazard classes of the inventory) and are computed once per distinct combination by the
    same component functions. The value is the same ``math.fsum`` of the five scores.

    >>> from hazatlas.domain.establishment import Establishment, EstablishmentKind
    >>> from hazatlas.domain.tailings import TailingsDetails
    >>> e = Establishment("T1", "pond", "ROU", 23.6, 47.7, kind=EstablishmentKind.TAILINGS,
    ...                   tailings=TailingsDetails(stored_volume_m3=1e6, dam_height_m=20.0))
    >>> b = tailings_hazard_indices([e], seismic_pga_g=0.12, flood_prone=False,
    ...                             as_of=dt.date(2026, 1, 1))
    >>> b.value.tolist()
    [12.5]
    """
    as_of = as_of or dt.date.today()
    value = np.full(len(establishments), np.nan)
    errors: dict[int, HazatlasError] = {}
    problems: list[Problem] = []
    _check("seismic_pga_g", seismic_pga_g, problems)
    natural = None if problems else _natural(seismic_pga_g, flood_prone, []).score
    cache: dict[tuple[object, ...], tuple[float, float, float]] = {}
    tailings_kind = EstablishmentKind.TAILINGS
    for i, e in enumerate(establishments):
        if e.kind != tailings_kind and e.tailings is None:
            continue
        try:
            value[i] = _fast_value(e, as_of, natural, cache)
        except (HazatlasError, _Fallback):
            try:
                one = tailings_hazard_index(
                    e, seismic_pga_g=seismic_pga_g, flood_prone=flood_prone, as_of=as_of
                )
            except HazatlasError as exc:
                errors[i] = exc
                continue
            value[i] = np.nan if one is None else one.value
    return ThiBatch(value, errors)


class _Fallback(Exception):
    """Inputs the fast path leaves to :func:`tailings_hazard_index` (errors, odd types)."""


def _fast_value(
    e: Establishment,
    as_of: dt.date,
    natural: float | None,
    cache: dict[tuple[object, ...], tuple[float, float, float]],
) -> float:
    t = e.tailings or TailingsDetails()
    if natural is None:
        raise _Fallback
    for x in (t.stored_volume_m3, t.dam_height_m, t.area_m2):
        if x is not None and not (math.isfinite(x) and x >= 0.0):
            raise _Fallback
    capacity = _capacity_score(t)
    try:
        inventory = e.inventory
        if len(inventory) == 1:
            lines: tuple[object, ...] = (
                inventory[0].water_hazard_class,
                tuple(inventory[0].hazard_statements),
            )
        else:
            lines = tuple((it.water_hazard_class, tuple(it.hazard_statements)) for it in inventory)
        key = (
            len(inventory),
            lines,
            e.status,
            t.tailings_status,
            t.last_inspection,
            t.dam_height_m,
            t.construction_method,
        )
        scores = cache.get(key)
    except TypeError as exc:  # unhashable input
        raise _Fallback from exc
    if scores is None:
        scores = cache[key] = (
            _toxicity(e, []).score,
            _management(e, as_of, []).score,
            _dam_safety(e, []).score,
        )
    return math.fsum((capacity, scores[0], scores[1], natural, scores[2]))
