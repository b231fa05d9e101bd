"""Concentrations measured during an event (``hazatlas spill --observations FILE.csv``, and the
``observations`` field of ``POST /api/scenarios/river``).

A CSV file (UTF-8, a header row) with one measurement per row:

``station``
    the name of a known station: a ``--point`` of the same run, or a gauge of the bundled
    ``river_gauges.csv`` (its ``station`` or ``gauge_id``); or leave it empty and give
``lon``, ``lat``
    the place in degrees (the station column may then still name it);
``time``
    ISO 8601 with its zone (``2000-02-01T20:30+01:00``, ``...Z``); a time without a zone is
    refused, because the measurement would be read an hour or more off;
``concentration``
    in mg/l; another unit is declared in the header as ``concentration_<unit>`` with ``_`` for
    ``/`` (``concentration_ug_l``, ``concentration_mg_m3``), converted by pint
    (:mod:`hazatlas.formats.units`). Zero means "measured, nothing found"; negative is refused.

``phase`` (optional)
    where on the cloud's passage the value was taken, when it is known: ``peak`` (the highest
    value at that station: the peak passed at that time), ``rising`` (before the peak),
    ``falling`` (after it), or empty (not known). The fit then also matches the modelled peak
    time to it (docs/models/river.md, "Forecast from measurements").

Other columns (``source``, ``notes``) are kept out of the fit and ignored. Every problem names
the file, the row (the header is row 1) and the column; nothing is read from a file with a
problem.

>>> rows = observations_from_json([{"station": "Szolnok", "time": "2000-02-08T06:00+01:00",
...                                  "concentration_mg_l": 3.2}])
>>> rows.rows[0].time.isoformat(), rows.rows[0].concentration_mg_l
('2000-02-08T06:00:00+01:00', 3.2)
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from hazatlas.domain.errors import HazatlasError, Problem, ValidationError
from hazatlas.formats.tables import read_text
from hazatlas.formats.units import parse_quantity

CONCENTRATION = "concentration"
PHASES = ("", "peak", "rising", "falling")
"""Accepted values of the ``phase`` column (case-insensitive; empty: not known)."""


@dataclass(frozen=True)
class ObservationRow:
    """One measurement; ``row`` is where it was in its file (or list), as a user counts it."""

    row: int
    station: str | None
    lon: float | None
    lat: float | None
    time: datetime
    concentration_mg_l: float
    phase: str = ""

    def to_json(self) -> dict[str, Any]:
        """The fields of the API's ``observations`` item."""
        return {"station": self.station, "lon": self.lon, "lat": self.lat,
                "time": self.time.isoformat(), "concentration_mg_l": self.concentration_mg_l,
                "phase": self.phase}

    @property
    def label(self) -> str:
        """The station's name, or its coordinates."""
        return self.station or f"{self.lon:g},{self.lat:g}"


@dataclass(frozen=True)
class ObservationSet:
    """Measurements read from ``source`` (a file name, or ``observations`` for the API)."""

    source: str
    rows: tuple[ObservationRow, ...]

    def to_json(self) -> list[dict[str, Any]]:
        return [r.to_json() for r in self.rows]

    def problem(self, row: ObservationRow, field: str, message: str) -> Problem:
        """A problem at ``row`` of this set (used by the forecast for unknown stations)."""
        return Problem(self.source, row.row, field, message)


def concentration_unit(header: str) -> str | None:
    """The unit a concentration column declares (``concentration_ug_l`` -> ``ug/l``; plain
    ``concentration`` -> ``mg/l``); None for any other column.

    >>> concentration_unit("concentration_ug_l"), concentration_unit("concentration")
    ('ug/l', 'mg/l')
    """
    if header == CONCENTRATION:
        return "mg/l"
    if header.startswith(CONCENTRATION + "_"):
        return header[len(CONCENTRATION) + 1 :].replace("_", "/")
    return None


def read_observations(path: Path) -> ObservationSet:
    """Read and check an observations CSV file (module doc); ValidationError on any problem."""
    source = path.name
    text = read_text(path, source, "observations CSV file")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [h.strip() for h in next(reader)]
        body = list(reader)
    except StopIteration:
        raise ValidationError([Problem(source, None, "", "the file is empty")]) from None
    except csv.Error as exc:
        raise ValidationError(
            [Problem(source, reader.line_num, "", f"not valid CSV ({exc})")]
        ) from None
    conc = [h for h in header if concentration_unit(h) is not None]
    problems = _header_problems(source, header, conc)
    if problems:
        raise ValidationError(problems)
    rows: list[ObservationRow] = []
    for n, cells in enumerate(body, start=2):
        if not any(c.strip() for c in cells):
            problems.append(Problem(source, n, "", "empty row: remove it"))
            continue
        if len(cells) != len(header):
            problems.append(Problem(source, n, "", f"has {len(cells)} cells, the header has "
                                    f"{len(header)}"))
            continue
        cell = dict(zip(header, (c.strip() for c in cells), strict=True))
        row = _row(source, n, cell, conc[0], problems)
        if row is not None:
            rows.append(row)
    if not rows and not problems:
        problems.append(Problem(source, None, "", "the file has a header but no measurement"))
    if problems:
        raise ValidationError(problems)
    return ObservationSet(source, tuple(rows))


def observations_from_json(
    items: Sequence[Mapping[str, Any]], source: str = "observations"
) -> ObservationSet:
    """The API's ``observations`` list (``station`` or ``lon``/``lat``, ``time``,
    ``concentration_mg_l``, optional ``phase``) as an :class:`ObservationSet`; rows are numbered
    from 1."""
    problems: list[Problem] = []
    rows: list[ObservationRow] = []
    for n, item in enumerate(items, start=1):
        cell = {k: "" if item.get(k) is None else str(item.get(k))
                for k in ("station", "lon", "lat", "time", "concentration_mg_l", "phase")}
        row = _row(source, n, cell, "concentration_mg_l", problems)
        if row is not None:
            rows.append(row)
    if not rows and not problems:
        problems.append(Problem(source, None, "", "the list of measurements is empty"))
    if problems:
        raise ValidationError(problems)
    return ObservationSet(source, tuple(rows))


def _header_problems(source: str, header: list[str], conc: list[str]) -> list[Problem]:
    problems = []
    twice = sorted({h for h in header if header.count(h) > 1})
    problems += [Problem(source, 1, h, "the column name appears twice") for h in twice]
    if "time" not in header:
        problems.append(Problem(source, 1, "time", "missing column: the time of each "
                                "measurement, ISO 8601 with its zone"))
    if len(conc) != 1:
        problems.append(Problem(source, 1, CONCENTRATION, (
            "missing column: concentration (mg/l) or concentration_<unit> (concentration_ug_l)"
            if not conc else f"one concentration column expected, found {', '.join(conc)}")))
    else:
        try:
            parse_quantity(f"1 {concentration_unit(conc[0])}", "mg/l", name=conc[0])
        except HazatlasError as exc:
            problems.append(Problem(source, 1, conc[0], f"not a concentration unit ({exc})"))
    if "station" not in header and not {"lon", "lat"} <= set(header):
        problems.append(Problem(source, 1, "station", "missing column: station, or lon and lat"))
    return problems


def _row(source: str, n: int, cell: Mapping[str, str], conc: str,
         problems: list[Problem]) -> ObservationRow | None:
    before = len(problems)

    def bad(field: str, message: str) -> None:
        problems.append(Problem(source, n, field, message))

    station = cell.get("station") or None
    lon = _number(cell.get("lon", ""), "lon", -180.0, 180.0, bad)
    lat = _number(cell.get("lat", ""), "lat", -90.0, 90.0, bad)
    if (lon is None) != (lat is None):
        bad("lat" if lat is None else "lon", "give both lon and lat, or neither")
    if station is None and lon is None and lat is None:
        bad("station", "give the station's name, or its lon and lat")
    when = _time(cell.get("time", ""), bad)
    value = None
    unit = concentration_unit(conc) or "mg/l"
    text = cell.get(conc, "")
    if not text:
        bad(conc, f"empty: the measured concentration in {unit} is required")
    else:
        try:
            value = parse_quantity(f"{text} {unit}", "mg/l", name=conc)
        except HazatlasError:
            bad(conc, f"'{text}' is not a number (a concentration in {unit})")
        else:
            if not (math.isfinite(value) and value >= 0):
                bad(conc, f"'{text}': a concentration must be zero or positive")
    phase = cell.get("phase", "").strip().casefold()
    if phase not in PHASES:
        bad("phase", f"'{cell.get('phase')}': peak, rising, falling or empty expected (where "
            "on the cloud's passage the value was taken)")
    if len(problems) > before or when is None or value is None:
        return None
    return ObservationRow(n, station, lon, lat, when, value, phase)


def _number(text: str, field: str, low: float, high: float, bad: Any) -> float | None:
    if not text:
        return None
    try:
        x = float(text)
    except ValueError:
        bad(field, f"'{text}' is not a number (degrees)")
        return None
    if not (math.isfinite(x) and low <= x <= high):
        bad(field, f"{text} is outside {low:g} to {high:g} degrees")
        return None
    return x


def _time(text: str, bad: Any) -> datetime | None:
    if not text:
        bad("time", "empty: the time of the measurement is required (ISO 8601 with its zone)")
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        bad("time", f"'{text}' is not an ISO 8601 date-time (2000-02-01T20:30+01:00)")
        return None
    if when.tzinfo is None or when.utcoffset() is None:
        bad("time", f"'{text}' has no time zone: add it (+01:00, Z)")
        return None
    return when
