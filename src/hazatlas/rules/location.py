"""Location criteria of the UNECE Guidelines on identifying hazardous activities (decision 2000/3).

UNECE Guidelines to facilitate the identification of hazardous activities for the purposes of
the Convention (decision 2000/3 of the Conference of the Parties, annex, location criteria);
``unece_location_criteria.csv`` (confirmed through a secondary source quoting the Guidelines):

- **LC-AIR**: within 15 km of the border, for activities with substances that may cause a fire
  or explosion, or toxic substances that may be released into the air.
- **LC-WATER**: along or within the catchment of transboundary or border rivers, transboundary
  or international lakes (or transboundary groundwaters), for substances of 1992 Annex I Part I
  categories 3, 4, 5 or 8 (very toxic, toxic, oxidizing, dangerous for the environment).

Which Seveso III categories each criterion concerns is a hazatlas reading
(``unece_location_criteria_categories.csv``, **unconfirmed**). The inputs (distance to the
nearest foreign border and its country; whether the site is on or in the catchment of a
transboundary water) are computed by the screening step; this module is a pure function of them.
No table of distances by substance and quantity was found, so only the fixed 15 km applies.

>>> flags = assess_location(("H2",), LocationInputs(border_distance_km=12.0, border_country_iso3="HUN"))
>>> [(f.criterion_id, f.triggered, f.distance_km) for f in flags]
[('LC-AIR', True, 12.0), ('LC-WATER', False, None)]
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from hazatlas.domain.classification import LocationFlag
from hazatlas.domain.reference import load_table


@dataclass(frozen=True)
class LocationInputs:
    """Where an establishment is, as the location criteria need it.

    ``border_distance_km``: distance to the nearest foreign land border (km), ``None`` if
    unknown; ``border_country_iso3``: the country across that border; ``on_transboundary_water``:
    on or within the catchment of a transboundary/border river or lake; ``water_body``: its name.
    """

    border_distance_km: float | None = None
    border_country_iso3: str | None = None
    on_transboundary_water: bool = False
    water_body: str | None = None


@functools.cache
def air_border_distance_km() -> float:
    """The 15 km of LC-AIR, read from ``unece_location_criteria.csv``.

    >>> air_border_distance_km()
    15.0
    """
    for row in load_table("unece_location_criteria"):
        if row["criterion_id"] == "LC-AIR":
            match = re.search(r"(\d+(?:\.\d+)?)\s*km", row["location_criterion"])
            if match:
                return float(match.group(1))
    raise LookupError("unece_location_criteria.csv has no LC-AIR distance")


@functools.cache
def criterion_categories() -> dict[str, frozenset[str]]:
    """Seveso III categories concerned by each criterion (LC-AIR, LC-WATER)."""
    out: dict[str, set[str]] = {}
    for row in load_table("unece_location_criteria_categories"):
        out.setdefault(row["criterion_id"], set()).add(row["seveso3_category"])
    return {k: frozenset(v) for k, v in out.items()}


def _air(present: set[str], inputs: LocationInputs) -> LocationFlag:
    cats = tuple(sorted(present & criterion_categories()["LC-AIR"]))
    distance = inputs.border_distance_km
    if distance is not None and (math.isnan(distance) or distance < 0):
        raise ValueError(f"border_distance_km must be a non-negative number, got {distance}")
    # -0.0 equals 0.0 as a cache key but prints differently: compute it uncached
    reason_of = _air_reason.__wrapped__ if distance == 0 else _air_reason
    triggered, reason = reason_of(cats, distance, inputs.border_country_iso3)
    return LocationFlag(
        "LC-AIR",
        "air",
        triggered,
        cats,
        distance if triggered else None,
        inputs.border_country_iso3 if triggered else None,
        None,
        reason,
    )


@functools.lru_cache(maxsize=4096)
def _air_reason(
    cats: tuple[str, ...], distance: float | None, country_iso3: str | None
) -> tuple[bool, str]:
    """Whether LC-AIR is met, and why (cached: the same few texts recur)."""
    limit = air_border_distance_km()
    near = distance is not None and distance <= limit
    triggered = bool(cats) and near
    country = country_iso3 or "a neighbouring country"
    if triggered:
        reason = (
            f"LC-AIR met: {', '.join(cats)} (fire, explosion or toxic release to air) within "
            f"{distance:.6g} km of the border with {country} (≤ {limit:g} km)"
        )
    elif not cats:
        reason = (
            "LC-AIR not met: no substance that may cause a fire, explosion or toxic release to air"
        )
    elif distance is None:
        reason = "LC-AIR not assessed: distance to the border unknown"
    else:
        reason = (
            f"LC-AIR not met: {distance:.6g} km from the border with {country} (> {limit:g} km)"
        )
    return triggered, reason


def _water(present: set[str], inputs: LocationInputs) -> LocationFlag:
    cats = tuple(sorted(present & criterion_categories()["LC-WATER"]))
    triggered = bool(cats) and inputs.on_transboundary_water
    water = inputs.water_body or "a transboundary river or lake"
    if triggered:
        reason = (
            f"LC-WATER met: {', '.join(cats)} (very toxic, toxic, oxidizing or dangerous for "
            f"the environment) along or in the catchment of {water}"
        )
    elif not cats:
        reason = "LC-WATER not met: no very toxic, toxic, oxidizing or environmentally dangerous substance"
    else:
        reason = "LC-WATER not met: not along or in the catchment of a transboundary water"
    return LocationFlag(
        "LC-WATER",
        "water",
        triggered,
        cats,
        None,
        None,
        inputs.water_body if triggered else None,
        reason,
    )


def assess_location(categories: Iterable[str], inputs: LocationInputs) -> tuple[LocationFlag, ...]:
    """LC-AIR and LC-WATER flags for the Seveso III categories present at an establishment."""
    present = set(categories)
    return (_air(present, inputs), _water(present, inputs))
