"""Water temperature of a spill run: the user's, else the monthly climatology of the river,
else none (the decay rate at its reference temperature).

The climatology is ``river_water_temperature.csv`` (long-term monthly mean water temperature,
°C, per station of the programme's basins, with each row's status and source; see
``docs/models/river.md``, "Decay and water temperature"). A run takes the first river along its
path, from the source down, that has a station in the table (the reach's main-stem name or
Natural Earth name is the row's river or one of its aliases), and of that river's stations the
one nearest to where the path enters it; the month is the request's ``month``, else the month
of the event (the run's start). One temperature serves the whole path (the model has one decay
rate per run).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hazatlas.domain.reference import load_table
from hazatlas.geo.network import RiverNetwork, fold

TABLE = "river_water_temperature"
_KM_PER_DEG = 111.2


@dataclass(frozen=True)
class WaterTemperature:
    """The water temperature a run uses (°C, None: none) and where it comes from."""

    water_temp_c: float | None
    #: "user", "climatology" or "reference temperature"
    kind: str
    basis: str
    #: the climatology row used (basin, river, station, month, status, source), else None
    climatology: dict[str, Any] | None = None

    def fields(self) -> dict[str, Any]:
        """``source.water_temp`` of the spill document."""
        return {"value_c": self.water_temp_c, "kind": self.kind, "basis": self.basis,
                "climatology": self.climatology}  # fmt: skip


#: a run before its temperature is known
NO_TEMPERATURE = WaterTemperature(None, "reference temperature", "")


@dataclass(frozen=True)
class _Station:
    climatology_id: str
    basin: str
    river: str
    keys: frozenset[str]
    station: str
    lon: float
    lat: float
    status: str
    source: str
    notes: str
    by_month: tuple[float, ...]  # 12 values, January first


@functools.cache
def stations() -> tuple[_Station, ...]:
    """The climatology's stations with their twelve monthly means (checked: every station has
    each month once)."""
    rows: dict[str, list[dict[str, str]]] = {}
    for row in load_table(TABLE):
        rows.setdefault(row["climatology_id"], []).append(row)
    out = []
    for cid, group in rows.items():
        months = sorted(int(r["month"]) for r in group)
        if months != list(range(1, 13)):
            raise ValueError(f"{TABLE}.csv: {cid} must have months 1-12 once each, has {months}")
        first = group[0]
        values = {int(r["month"]): float(r["water_temp_c"]) for r in group}
        out.append(_Station(
            cid, first["basin"], first["river"],
            frozenset(fold(a) for a in [first["river"], *first["name_aliases"].split("|")] if a),
            first["station"], float(first["lon"]), float(first["lat"]), first["status"],
            first["source"], first["notes"], tuple(values[m] for m in range(1, 13)),
        ))  # fmt: skip
    return tuple(out)


def month_of(month: int | None, start_month: int) -> int:
    """The month of the climatology: the one given, else the event's."""
    return month if month is not None else start_month


def climatology_at(
    net: RiverNetwork, path: Sequence[int], month: int
) -> tuple[_Station, int] | None:
    """The station of the first river along ``path`` that the climatology has, nearest to the
    downstream end of the path's first reach on that river, and that reach's position on the
    path; None when no river of the path is in the table."""
    table = stations()
    for pos, reach in enumerate(path):
        names = {fold(net.river_name(int(reach))), fold(net.name[int(reach)])} - {""}
        mine = [s for s in table if s.keys & names]
        if not mine:
            continue
        lon, lat = net.geometry[int(reach)].coords[-1][:2]
        return min(mine, key=lambda s: _km(s.lon, s.lat, lon, lat)), pos
    return None


def _km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    dx = (lon1 - lon2) * math.cos(math.radians((lat1 + lat2) / 2))
    return _KM_PER_DEG * math.hypot(dx, lat1 - lat2)


def water_temperature(
    net: RiverNetwork,
    path: Sequence[int],
    *,
    given_c: float | None,
    month: int | None,
    start_month: int,
) -> WaterTemperature:
    """The run's water temperature: ``given_c`` (the user's), else the climatology of the path
    for ``month`` (else the event's month), else none."""
    if given_c is not None:
        return WaterTemperature(given_c, "user", "given by the user")
    m = month_of(month, start_month)
    hit = climatology_at(net, path, m)
    if hit is None:
        return WaterTemperature(
            None, "reference temperature",
            "not given and no river of the path is in the monthly climatology "
            f"({TABLE}.csv): decay at the rate's reference temperature",
        )  # fmt: skip
    st, pos = hit
    value = st.by_month[m - 1]
    where = "the source's river" if pos == 0 else f"the first river of the path in the table, {st.river}"
    unconfirmed = " (unconfirmed)" if st.status.startswith("unconfirmed") else ""
    basis = (
        f"monthly climatology{unconfirmed}: {value:g} °C, long-term mean of month {m} at "
        f"{st.station} ({st.river}, basin {st.basin}), {where}; status: {st.status}; "
        f"source: {st.source}; {st.notes} ({TABLE}.csv)"
    )
    info = {"climatology_id": st.climatology_id, "basin": st.basin, "river": st.river,
            "station": st.station, "month": m, "month_from": "month" if month else "start",
            "status": st.status, "source": st.source}  # fmt: skip
    return WaterTemperature(value, "climatology", basis, info)
