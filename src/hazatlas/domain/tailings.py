"""Tailings management facilities (TMFs): the details an establishment of kind ``tailings`` has."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


class ConstructionMethod(StrEnum):
    UPSTREAM = "upstream"
    DOWNSTREAM = "downstream"
    CENTRELINE = "centreline"
    OTHER = "other"


class TailingsStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"
    ABANDONED = "abandoned"


@dataclass(frozen=True)
class Constituent:
    """A hazardous constituent of the tailings: name, optional CAS, concentration in mg/kg."""

    name: str
    concentration_mg_kg: float
    cas_number: str | None = None


@dataclass
class TailingsDetails:
    """Stored volume in m3, dam height in m, area in m2. ``pond_level_m`` and
    ``crest_level_m`` are the pond's water level and the dam crest's level in metres on one
    datum, ``min_freeboard_m`` the minimum freeboard the dam's design requires (m): the
    overtopping screen's inputs (docs/natech.md)."""

    stored_volume_m3: float | None = None
    dam_height_m: float | None = None
    area_m2: float | None = None
    construction_method: ConstructionMethod | None = None
    commodity: str | None = None
    tailings_status: TailingsStatus | None = None
    last_inspection: dt.date | None = None
    constituents: list[Constituent] = field(default_factory=list)
    pond_level_m: float | None = None
    crest_level_m: float | None = None
    min_freeboard_m: float | None = None
