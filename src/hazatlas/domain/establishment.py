"""Establishments, operators, competent authorities and countries of the register.

These are pure value types; storage, API schemas and file formats map to and from them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from hazatlas.domain.inventory import InventoryItem
from hazatlas.domain.tailings import TailingsDetails


class Disclosure(StrEnum):
    """Who may read a record (or its confidential fields).

    ``public``: everyone; ``parties``: authorities of Parties to the Convention (and basin bodies);
    ``national``: only the national authority of the record's country (and administrators).
    """

    PUBLIC = "public"
    PARTIES = "parties"
    NATIONAL = "national"


class EstablishmentStatus(StrEnum):
    OPERATING = "operating"
    TEMPORARILY_STOPPED = "temporarily_stopped"
    CLOSED = "closed"
    ABANDONED = "abandoned"
    DAMAGED = "damaged"


class EstablishmentKind(StrEnum):
    INDUSTRIAL = "industrial"
    TAILINGS = "tailings"


@dataclass(frozen=True)
class Provenance:
    """Where a record comes from: a document or file, and its date."""

    source: str
    date: dt.date | None = None


@dataclass
class Establishment:
    """A hazardous activity: an industrial establishment or a tailings management facility.

    ``id`` is the stable hazatlas identifier that follows the site along the whole chain
    (register, identify, screen, model, warn). ``lon``/``lat`` are WGS 84 degrees;
    ``site_polygon_wkt`` an optional WGS 84 polygon in WKT.
    """

    id: str
    name: str
    country_iso3: str
    lon: float
    lat: float
    kind: EstablishmentKind = EstablishmentKind.INDUSTRIAL
    status: EstablishmentStatus = EstablishmentStatus.OPERATING
    operator: str | None = None
    nace_code: str | None = None
    receiving_water: str | None = None
    site_polygon_wkt: str | None = None
    external_ids: dict[str, str] = field(default_factory=dict)
    disclosure: Disclosure = Disclosure.PUBLIC
    provenance: Provenance | None = None
    notes: str | None = None
    inventory: list[InventoryItem] = field(default_factory=list)
    tailings: TailingsDetails | None = None
