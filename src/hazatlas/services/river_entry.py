"""Where a site's water enters the river network: the site's receiving reach as screening finds
it (the register's receiving water first, else the nearest reach), at the point of that reach
nearest the site. Used by the tailings dam-failure chain (``services/tailings_failure.py``) and
the Natech flood chain (``services/natech_chain.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hazatlas.domain.errors import ValidationError
from hazatlas.domain.establishment import Establishment
from hazatlas.models.base import input_problem


@dataclass(frozen=True)
class ReceivingPoint:
    """The receiving reach ``index`` of a site, the ``offset_m`` along it, the ``point`` there,
    the screening ``batch`` of the site and the screening's ``notes``."""

    index: int
    offset_m: float
    point: Any
    batch: Any
    notes: list[str]

    @property
    def distance_km(self) -> float:
        """Straight-line distance from the site to the reach (km)."""
        return float(self.batch.snap_distance_m[0]) / 1000.0


def receiving_point(network: Any, est: Establishment) -> ReceivingPoint:
    """The site's receiving reach and the point on it; a site with no reach is refused, naming
    ``establishment_id``."""
    from hazatlas.services.screen import Site, screen_sites

    batch = screen_sites([Site(est.id, est.lon, est.lat, est.country_iso3, est.receiving_water)],
                         network=network)
    i = int(batch.reach_index[0])
    notes = [f"river entry: {w}" for w in batch.warnings.get(0, [])]
    if i < 0:
        raise ValidationError([input_problem(
            "establishment_id", f"'{est.id}' has no river reach within 20 km: no river entry")])
    offset = float(batch.offset_m[0])
    return ReceivingPoint(i, offset, point_at(network, i, offset), batch, notes)


def point_at(network: Any, i: int, offset_m: float) -> Any:
    """The point of reach ``i`` at ``offset_m`` as snapping measures it (along the densified
    line, scaled to ``length_m``), so that the spill snaps it back to that very offset."""
    import numpy as np
    from shapely.geometry import Point  # type: ignore[import-untyped]

    snap = network.index.snap
    seg, on, chord = snap.segments, snap.segments.feature == i, offset_m / max(snap.scale[i], 1e-9)
    return Point(*(np.interp(chord, seg.along[on], v[on]) for v in (seg.lon, seg.lat)))
