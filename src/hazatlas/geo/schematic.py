"""Schematic reaches: named rivers of the programme's basins that the bundled Natural Earth
network lacks (Kara Darya, Chirchik, Angren, Mailuu-Suu, Kassansay, Sokh, Badam, Arys, Chu,
Surkhandarya, Lăpuș, Săsar, Jadar, Pek, the Bor river ...), drawn as straight lines through
published source and mouth coordinates and towns along the river.

Data: ``data/geo/schematic_rivers.csv`` (one row per river: its names, the river it ``joins``,
the published length and mean discharge, each with its source) and
``data/geo/schematic_vertices.csv`` (one row per vertex, from the source down to the mouth:
``seq``, ``lon``, ``lat``, ``place``, ``role`` = ``source`` | ``town`` | ``point`` | ``mouth``,
``status`` = ``confirmed`` (coordinate read from the cited page) or ``unconfirmed ...`` (an
approximate position), and ``source``). Every row needs a source; a bad row is a
:class:`~hazatlas.domain.errors.ValidationError` naming file, row and field.

How a river becomes reaches (:func:`hazatlas.geo.schematic_join.extend`): its mouth vertex is
joined to the nearest reach (within ``JOIN_SNAP_M``) of the river it ``joins`` (its Natural
Earth name, its canonical name from ``river_names.csv`` or another schematic river); that reach
is split at the junction, and the schematic line ends there. A river with an empty ``joins`` is
its own outlet (the Chu ends in the Kazakh steppe). Where the first vertex is the source and a
length is published, the reach's length is the published length (the line through the
vertices is shorter; the ratio is kept as the reach's ``length_factor``), else the line's own
geodesic length (too short). Discharge and velocity come from the network's ungauged rule
(:mod:`hazatlas.geo.hydraulics`); the published mean discharges are kept in the data and in
the results for comparison, not used. Every reach made here carries ``schematic`` = ``"yes"``
and ``schematic_river`` in the network's attributes, and every result that uses one says so
(:func:`path_rivers`, :meth:`SchematicRiver.fields`).
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from hazatlas.domain.errors import Problem, ValidationError
from hazatlas.domain.reference import data_path

if TYPE_CHECKING:
    from hazatlas.geo.network import RiverNetwork

RIVERS_FILE = "schematic_rivers.csv"
VERTICES_FILE = "schematic_vertices.csv"
RIVER_COLUMNS = (
    "river", "names", "joins", "length_km", "length_source", "mean_discharge_m3_s",
    "discharge_location", "discharge_source", "status", "source", "notes",
)  # fmt: skip
VERTEX_COLUMNS = ("river", "seq", "lon", "lat", "place", "role", "status", "source")
ROLES = ("source", "town", "point", "mouth")


@dataclass(frozen=True)
class Vertex:
    """One published or approximate point of a schematic river."""

    seq: int
    lon: float
    lat: float
    place: str
    role: str
    status: str
    source: str
    row: int = 0  # data row in the vertices file (for error messages)

    def fields(self) -> dict[str, Any]:
        return {
            "lon": self.lon, "lat": self.lat, "place": self.place, "role": self.role,
            "status": self.status, "source": self.source,
        }  # fmt: skip


@dataclass(frozen=True)
class SchematicRiver:
    """A river of ``schematic_rivers.csv`` with its vertices, source first."""

    name: str
    names: tuple[str, ...]
    joins: tuple[str, ...]
    length_km: float | None
    length_source: str
    mean_discharge_m3_s: float | None
    discharge_location: str
    discharge_source: str
    status: str
    source: str
    notes: str
    vertices: tuple[Vertex, ...]

    @property
    def uses_published_length(self) -> bool:
        """The published length applies when the line starts at the source."""
        return self.length_km is not None and self.vertices[0].role == "source"

    def fields(self) -> dict[str, Any]:
        """JSON-ready description with every coordinate's source (results embed it)."""
        return {
            "river": self.name,
            "schematic": True,
            "joins": list(self.joins),
            "length_km": self.length_km,
            "length_applied": self.uses_published_length,
            "length_source": self.length_source or None,
            "published_mean_discharge_m3_s": self.mean_discharge_m3_s,
            "discharge_location": self.discharge_location or None,
            "discharge_source": self.discharge_source or None,
            "source": self.source,
            "notes": self.notes,
            "vertices": [v.fields() for v in self.vertices],
        }


def _read(text: str, name: str, columns: Sequence[str]) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in columns if c not in (reader.fieldnames or [])]
    if missing:
        raise ValidationError(
            [Problem(name, 1, c, f"missing column; expected {', '.join(columns)}") for c in missing]
        )
    return [{k: (v or "").strip() for k, v in row.items() if k} for row in reader]


def _number(
    row: Mapping[str, str], key: str, name: str, line: int, problems: list[Problem],
    lo: float = 0.0, hi: float = float("inf"), required: bool = True,
) -> float | None:  # fmt: skip
    text = row.get(key, "")
    if not text and not required:
        return None
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not lo <= value <= hi:
        problems.append(Problem(name, line, key, f"expected a number in [{lo:g}, {hi:g}], got {text!r}"))
        return None
    return value


def _river_rows(
    rows: list[dict[str, str]], name: str, problems: list[Problem]
) -> dict[str, tuple[int, dict[str, Any]]]:
    out: dict[str, tuple[int, dict[str, Any]]] = {}
    for line, row in enumerate(rows, start=2):
        river = row["river"]
        if not river:
            problems.append(Problem(name, line, "river", "expected a river name"))
            continue
        if river in out:
            problems.append(Problem(name, line, "river", f"{river!r} is listed twice"))
        if not row["source"]:
            problems.append(Problem(name, line, "source", f"{river}: every row needs a source"))
        length = _number(row, "length_km", name, line, problems, 0.1, 10_000, required=False)
        if length is not None and not row["length_source"]:
            problems.append(Problem(name, line, "length_source", f"{river}: a length needs its source"))
        q = _number(row, "mean_discharge_m3_s", name, line, problems, 0.0, 1e6, required=False)
        if q is not None and not row["discharge_source"]:
            problems.append(
                Problem(name, line, "discharge_source", f"{river}: a discharge needs its source")
            )
        if row["status"] != "schematic":
            problems.append(Problem(name, line, "status", f"{river}: expected 'schematic'"))
        names = tuple(n.strip() for n in row["names"].split("|") if n.strip()) or (river,)
        joins = tuple(j.strip() for j in row["joins"].split("|") if j.strip())
        out[river] = (line, dict(row, names=names, joins=joins, length=length, q=q))
    return out


def _vertex_rows(
    rows: list[dict[str, str]], name: str, rivers: Mapping[str, Any], problems: list[Problem]
) -> dict[str, list[tuple[int, Vertex]]]:
    out: dict[str, list[tuple[int, Vertex]]] = {}
    for line, row in enumerate(rows, start=2):
        river = row["river"]
        if river not in rivers:
            problems.append(Problem(name, line, "river", f"{river!r} is not in {RIVERS_FILE}"))
            continue
        if not row["source"]:
            problems.append(Problem(name, line, "source", f"{river}: every vertex needs a source"))
        if row["role"] not in ROLES:
            problems.append(Problem(name, line, "role", f"expected one of {', '.join(ROLES)}"))
        status = row["status"]
        if not (status == "confirmed" or status.startswith("unconfirmed")):
            problems.append(
                Problem(name, line, "status", "expected 'confirmed' or 'unconfirmed (...)'")
            )
        lon = _number(row, "lon", name, line, problems, -180.0, 180.0)
        lat = _number(row, "lat", name, line, problems, -90.0, 90.0)
        try:
            seq = int(row["seq"])
        except ValueError:
            problems.append(Problem(name, line, "seq", f"expected an integer, got {row['seq']!r}"))
            continue
        if lon is None or lat is None:
            continue
        vertex = Vertex(seq, lon, lat, row["place"], row["role"], status, row["source"], line)
        out.setdefault(river, []).append((line, vertex))
    return out


def _check_line(
    river: str, line: int, vertices: list[tuple[int, Vertex]], name: str, problems: list[Problem]
) -> None:
    seqs = [v.seq for _, v in vertices]
    if len(vertices) < 2:
        problems.append(Problem(name, line, "river", f"{river}: expected at least two vertices"))
        return
    if seqs != sorted(set(seqs)):
        problems.append(
            Problem(name, vertices[0][0], "seq", f"{river}: seq must increase, got {seqs}")
        )
    if vertices[-1][1].role != "mouth":
        problems.append(
            Problem(name, vertices[-1][0], "role", f"{river}: the last vertex must be the mouth")
        )
    if any(v.role in ("source", "mouth") for _, v in vertices[1:-1]) or vertices[0][1].role == "mouth":
        problems.append(
            Problem(name, vertices[0][0], "role", f"{river}: only the first vertex may be the "
                    "source and only the last the mouth")
        )  # fmt: skip


def parse_rivers(
    rivers_text: str, vertices_text: str, rivers_name: str = RIVERS_FILE,
    vertices_name: str = VERTICES_FILE,
) -> tuple[SchematicRiver, ...]:  # fmt: skip
    """Read and check the two tables; a :class:`ValidationError` lists every bad row."""
    problems: list[Problem] = []
    rivers = _river_rows(_read(rivers_text, rivers_name, RIVER_COLUMNS), rivers_name, problems)
    verts = _vertex_rows(
        _read(vertices_text, vertices_name, VERTEX_COLUMNS), vertices_name, rivers, problems
    )
    out = []
    for river, (line, row) in rivers.items():
        vertices = sorted(verts.get(river, []), key=lambda lv: lv[1].seq)
        _check_line(river, line, vertices, vertices_name if vertices else rivers_name, problems)
        for j in row["joins"]:
            if j == river:
                problems.append(Problem(rivers_name, line, "joins", f"{river} cannot join itself"))
        out.append(
            SchematicRiver(
                river, row["names"], row["joins"], row["length"], row["length_source"], row["q"],
                row["discharge_location"], row["discharge_source"], row["status"], row["source"],
                row["notes"], tuple(v for _, v in vertices),
            )
        )  # fmt: skip
    if problems:
        raise ValidationError(problems)
    return tuple(out)


@functools.cache
def schematic_rivers() -> tuple[SchematicRiver, ...]:
    """The bundled schematic rivers (``data/geo/schematic_*.csv``), read and checked once."""
    return parse_rivers(
        data_path("geo", RIVERS_FILE).read_text(encoding="utf-8"),
        data_path("geo", VERTICES_FILE).read_text(encoding="utf-8"),
    )


def river_by_name() -> Mapping[str, SchematicRiver]:
    """The bundled schematic rivers by name."""
    return {r.name: r for r in schematic_rivers()}


def is_schematic(network: RiverNetwork) -> np.ndarray:
    """Per reach, True where the reach is schematic (all False for a network without any)."""
    flags = network.attributes.get("schematic")
    if not flags:
        return np.zeros(len(network), dtype=bool)
    return np.array([f == "yes" for f in flags], dtype=bool)


def path_rivers(network: RiverNetwork, reach_index: int) -> list[str]:
    """Names of the schematic rivers on the downstream path from ``reach_index``, in order
    (schematic reaches come before the network's own, so the walk stops at the first
    reach that is not schematic)."""
    flags = network.attributes.get("schematic")
    rivers = network.attributes.get("schematic_river")
    if not flags or not rivers or reach_index < 0:
        return []
    out: list[str] = []
    r = int(reach_index)
    while r >= 0 and flags[r] == "yes":
        if not out or out[-1] != rivers[r]:
            out.append(str(rivers[r]))
        r = int(network.downstream[r])
    return out


def path_fields(network: RiverNetwork, reach_index: int) -> list[dict[str, Any]]:
    """:meth:`SchematicRiver.fields` of the schematic rivers on the path from ``reach_index``
    (empty when the path uses none)."""
    known = river_by_name()
    return [known[name].fields() for name in path_rivers(network, reach_index) if name in known]
