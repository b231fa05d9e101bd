"""Riparian contacts the country polygons cannot resolve (``riparian_contacts.csv``).

Some countries touch a river for less than the border smoothing of :mod:`hazatlas.geo.paths`
can see (a border run shorter than ``MIN_BORDER_RUN_M`` is dropped): Moldova's Danube bank at
Giurgiulești, a few hundred metres between the Prut mouth and the Ukrainian border (Danube
km 134.14-133.57), is one sample of the densified river line at most. The table lists such
contacts with their river, country, river kilometres, a point (lon/lat) that places the
contact on the network, the bank, the kind (``bank`` or ``shared stretch``), a status and a
source per row.

Each contact is placed once per network (:attr:`NetworkIndex.contacts
<hazatlas.geo.network_index.NetworkIndex.contacts>`): its point is snapped to the reaches
named after its river (within ``max_snap_km``); a contact whose river is not in the network
is not placed. The downstream path (:func:`hazatlas.geo.paths.build_tails`) then carries the
contact as an entry of its country at that position, so screening, the spill model and the
recipient proposal, which all read the countries downstream from there, list it with its
river distance and travel time, marked ``"via": "riparian contact"``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from hazatlas.domain.errors import HazatlasError
from hazatlas.domain.reference import load_table

if TYPE_CHECKING:
    from hazatlas.geo.network import RiverNetwork

VIA = "riparian contact"


@dataclass(frozen=True)
class RiparianContact:
    """One row of ``riparian_contacts.csv``."""

    number: int  # row number in the table (0-based), the contact's id
    river: str
    country: str  # adm0_a3
    rkm_start: float | None  # river km (the river's own chainage) where the contact starts
    rkm_end: float | None
    lon: float
    lat: float
    bank: str
    kind: str  # "bank" or "shared stretch"
    max_snap_m: float
    status: str
    source: str

    def fields(self) -> dict[str, Any]:
        """The keys added to a downstream entry that comes from this contact."""
        return {
            "via": VIA,
            "source": self.source,
            "contact": {
                "river": self.river,
                "rkm_start": self.rkm_start,
                "rkm_end": self.rkm_end,
                "bank": self.bank,
                "kind": self.kind,
                "status": self.status,
            },
        }


def _km(text: str) -> float | None:
    return float(text) if text.strip() else None


@functools.cache
def riparian_contacts() -> tuple[RiparianContact, ...]:
    """The contacts of ``riparian_contacts.csv``, in table order."""
    out = []
    for k, row in enumerate(load_table("riparian_contacts")):
        if row["kind"] not in ("bank", "shared stretch"):
            raise HazatlasError(f"riparian_contacts.csv row {k + 2}: unknown kind {row['kind']!r}")
        out.append(
            RiparianContact(
                k, row["river"], row["country"], _km(row["rkm_start"]), _km(row["rkm_end"]),
                float(row["lon"]), float(row["lat"]), row["bank"], row["kind"],
                float(row["max_snap_km"]) * 1000.0, row["status"], row["source"],
            )
        )  # fmt: skip
    return tuple(out)


def place_contacts(
    network: RiverNetwork,
) -> Mapping[int, tuple[tuple[float, RiparianContact], ...]]:
    """Per reach index, the contacts on it as ``(offset_m, contact)`` in downstream order."""
    from hazatlas.geo.snapping import snap_to_reaches

    placed: dict[int, list[tuple[float, RiparianContact]]] = {}
    for c in riparian_contacts():
        named = network.reaches_named(c.river)
        if not len(named):
            continue
        snap = snap_to_reaches(network, named, np.array([c.lon]), np.array([c.lat]), c.max_snap_m)
        r = int(snap.reach_index[0])
        if r >= 0:
            placed.setdefault(r, []).append((float(snap.offset_m[0]), c))
    return MappingProxyType(
        {r: tuple(sorted(v, key=lambda p: (p[0], p[1].number))) for r, v in placed.items()}
    )
