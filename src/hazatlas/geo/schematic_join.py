"""Joining the schematic rivers (:mod:`hazatlas.geo.schematic`) to a network's reach columns.

For each river, tributaries after the river they join: the mouth vertex is projected onto the
nearest reach of the river named in ``joins`` (Natural Earth name or alternative name,
canonical ``river`` name, or a schematic river already joined) within ``JOIN_SNAP_M``; that
reach is split there (unless the junction is within ``JOIN_END_M`` of one of its ends), the
lower part taking a new reach id and every attribute of the reach, the two parts sharing its
length in proportion to their geodesic lengths. The schematic reach runs through the vertices
to the junction and flows into the lower part.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import shapely  # type: ignore[import-untyped]

from hazatlas.domain.errors import Problem, ValidationError
from hazatlas.geo._geodesy import geodesic_m, line_length_m
from hazatlas.geo.schematic import VERTICES_FILE, SchematicRiver

#: A mouth vertex is joined to its receiving river within this distance.
JOIN_SNAP_M = 15_000.0
#: A junction this close to a reach's end joins at that end instead of splitting the reach.
JOIN_END_M = 1_000.0
#: A published length shorter than this fraction of the line is an error in the data.
LENGTH_TOLERANCE = 0.98

_EMPTY: Mapping[str, str] = MappingProxyType({})


@dataclass
class ReachColumns:
    """The per-reach columns a :class:`~hazatlas.geo.network.RiverNetwork` is built from
    (``downstream`` as indices, -1 at an outlet), as mutable lists."""

    reach_id: list[int]
    downstream: list[int]
    length_m: list[float]
    length_factor: list[float]
    name: list[str]
    geometry: list[Any]
    attributes: dict[str, list[Any]]
    user_values: dict[str, list[float]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.reach_id)

    def _copy_reach(self, i: int) -> int:
        """Append a copy of reach ``i`` (new id); returns its index."""
        self.reach_id.append(max(self.reach_id) + 1 if self.reach_id else 1)
        self.downstream.append(self.downstream[i])
        self.length_m.append(self.length_m[i])
        self.length_factor.append(self.length_factor[i])
        self.name.append(self.name[i])
        self.geometry.append(self.geometry[i])
        for values in (*self.attributes.values(), *self.user_values.values()):
            values.append(values[i])
        return len(self) - 1


def _local(coords: np.ndarray, lat0: float) -> np.ndarray:
    """Equirectangular coordinates around latitude ``lat0`` (for projecting a point on a line)."""
    return np.column_stack([coords[:, 0] * np.cos(np.radians(lat0)), coords[:, 1]])


def _project(geom: Any, lon: float, lat: float) -> tuple[float, int, np.ndarray]:
    """(geodesic distance, segment index, point) of the point of ``geom`` nearest (lon, lat)."""
    coords = np.asarray(geom.coords)[:, :2]
    xy = _local(coords, lat)
    p = np.array([lon * np.cos(np.radians(lat)), lat])
    a, b = xy[:-1], xy[1:]
    ab = b - a
    t = np.clip(np.einsum("ij,ij->i", p - a, ab) / np.maximum(np.einsum("ij,ij->i", ab, ab), 1e-30), 0, 1)
    near = a + ab * t[:, None]
    j = int(np.argmin(np.einsum("ij,ij->i", near - p, near - p)))
    point = coords[j] + (coords[j + 1] - coords[j]) * t[j]
    d = float(geodesic_m(np.array([lon]), np.array([lat]), point[:1], point[1:])[0])
    return d, j, point


def _name_keys(cols: ReachColumns, i: int) -> set[str]:
    from hazatlas.geo.network import fold

    keys = {fold(cols.name[i])}
    for key in ("name_alt", "river", "schematic_river"):
        values = cols.attributes.get(key)
        if values and values[i]:
            keys |= {fold(s) for s in str(values[i]).replace("|", ",").split(",")}
            keys.add(fold(str(values[i])))
    return keys - {""}


def _junction(
    cols: ReachColumns, river: SchematicRiver, row: int | None
) -> tuple[int, np.ndarray, float]:
    """(index of the reach the river flows into, junction point, distance) for its mouth."""
    from hazatlas.geo.network import fold

    wanted = {fold(j) for j in river.joins}
    mouth = river.vertices[-1]
    best: tuple[float, int, int, np.ndarray] | None = None
    for i in range(len(cols)):
        if wanted & _name_keys(cols, i):
            d, seg, point = _project(cols.geometry[i], mouth.lon, mouth.lat)
            if best is None or d < best[0]:
                best = (d, i, seg, point)
    if best is None or best[0] > JOIN_SNAP_M:
        where = "no reach" if best is None else f"the nearest reach is {best[0] / 1000:.1f} km away"
        raise ValidationError(
            [
                Problem(
                    VERTICES_FILE, row, "lon/lat",
                    f"{river.name}: the mouth must lie within {JOIN_SNAP_M / 1000:g} km of "
                    f"{' or '.join(river.joins)}; {where}",
                )
            ]
        )  # fmt: skip
    d, i, seg, point = best
    return _split(cols, i, seg, point), point, d


def _split(cols: ReachColumns, i: int, seg: int, point: np.ndarray) -> int:
    """Split reach ``i`` at ``point`` (on segment ``seg``); returns the reach that starts there."""
    coords = np.asarray(cols.geometry[i].coords)[:, :2]
    up = np.vstack([coords[: seg + 1], point])
    down = np.vstack([point, coords[seg + 1 :]])
    g_up, g_down = line_length_m(up), line_length_m(down)
    if g_up < JOIN_END_M:
        return i
    if g_down < JOIN_END_M:
        return cols.downstream[i] if cols.downstream[i] >= 0 else i
    k = cols._copy_reach(i)
    total = cols.length_m[i]
    cols.geometry[i] = shapely.LineString(up)
    cols.geometry[k] = shapely.LineString(down)
    cols.length_m[i] = total * g_up / (g_up + g_down)
    cols.length_m[k] = total * g_down / (g_up + g_down)
    cols.downstream[i] = k
    return k


def _order(rivers: Sequence[SchematicRiver]) -> list[SchematicRiver]:
    """Rivers after the schematic rivers they join (a cycle is an error)."""
    from hazatlas.geo.network import fold

    by_key = {fold(n): r.name for r in rivers for n in (r.name, *r.names)}
    todo = {r.name: r for r in rivers}
    done: list[SchematicRiver] = []
    placed: set[str] = set()
    while todo:
        ready = [
            r for r in todo.values()
            if all(by_key.get(fold(j)) in placed or fold(j) not in by_key for j in r.joins)
        ]  # fmt: skip
        if not ready:
            raise ValidationError(
                [Problem("schematic_rivers.csv", None, "joins", f"cycle among {sorted(todo)}")]
            )
        for r in ready:
            done.append(todo.pop(r.name))
            placed.add(r.name)
    return done


def extend(cols: ReachColumns, rivers: Sequence[SchematicRiver]) -> ReachColumns:
    """Append ``rivers`` to ``cols`` (in place; also returned). See the module doc."""
    for key in ("schematic", "schematic_river"):
        cols.attributes.setdefault(key, [""] * len(cols))
    for river in _order(rivers):
        coords = np.array([[v.lon, v.lat] for v in river.vertices])
        target, basin_outlet = -1, "none"
        if river.joins:
            target, point, _ = _junction(cols, river, river.vertices[-1].row or None)
            if geodesic_m(coords[-1:, 0], coords[-1:, 1], point[:1], point[1:])[0] > 1.0:
                coords = np.vstack([coords, point])
            else:
                coords[-1] = point
            outlets = cols.attributes.get("basin_outlet")
            basin_outlet = str(outlets[target]) if outlets else ""
        line = line_length_m(coords)
        factor = 1.0
        if river.uses_published_length and river.length_km is not None:
            factor = river.length_km * 1000.0 / line
            if factor < LENGTH_TOLERANCE:
                raise ValidationError(
                    [
                        Problem(
                            "schematic_rivers.csv", None, "length_km",
                            f"{river.name}: published {river.length_km:g} km is shorter than "
                            f"the line through its vertices ({line / 1000:.1f} km)",
                        )
                    ]
                )  # fmt: skip
            factor = max(factor, 1.0)
        _append(cols, river, coords, target, line * factor, factor, basin_outlet)
    return cols


def _append(
    cols: ReachColumns, river: SchematicRiver, coords: np.ndarray, target: int,
    length_m: float, factor: float, basin_outlet: str,
) -> None:  # fmt: skip
    cols.reach_id.append(max(cols.reach_id) + 1 if cols.reach_id else 1)
    cols.downstream.append(target)
    cols.length_m.append(length_m)
    cols.length_factor.append(factor)
    cols.name.append(river.name)
    cols.geometry.append(shapely.LineString(coords))
    basins = {
        key: (str(values[target]) if target >= 0 and values[target] else river.name)
        for key, values in cols.attributes.items()
        if key in ("basin", "system")
    }
    special: dict[str, Any] = {
        **basins,
        "schematic": "yes",
        "schematic_river": river.name,
        "river": river.name,
        "river_names": _EMPTY,
        "name_alt": ", ".join(n for n in river.names if n != river.name),
        "basin_outlet": basin_outlet,
        "outlet_type": "",
        "src": "hazatlas schematic (data/geo/schematic_rivers.csv)",
        "featurecla": "Schematic river",
    }
    for key, values in cols.attributes.items():
        values.append(special.get(key))
    for values in cols.user_values.values():
        values.append(float("nan"))
