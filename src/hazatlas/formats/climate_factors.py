"""The climate change factor table: a CSV of intensity ratios per scenario and horizon.

Columns (header row; docs/natech.md, section "Climate"): ``hazard``, ``intensity_measure``,
``region`` (ISO3 country code or ``*``), ``basin`` (optional column: a river or basin name,
matched against the site's receiving water, or ``*``), ``scenario`` (RCPn.n or SSPn-n.n),
``horizon`` (the year), ``return_period_years``, ``factor`` (future / baseline intensity, > 0),
``source`` and ``status`` (confirmed, partially confirmed, unconfirmed, hazatlas assumption).
Every problem is reported at once by file, row (header = row 1) and column; nothing is loaded
when there is one.

>>> rows = parse_factors(
...     "hazard,intensity_measure,region,scenario,horizon,return_period_years,factor,source,status\\n"
...     "flood,depth,SRB,RCP8.5,2050,100,1.2,my study,unconfirmed\\n", "f.csv")
>>> rows[0].factor, rows[0].basin
(1.2, '*')
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

from hazatlas.domain.errors import Problem, ValidationError
from hazatlas.domain.hazard_layer import BASELINE, HAZARDS, SCENARIO
from hazatlas.models.natech.climate import STATUSES, ChangeFactor

COLUMNS = ("hazard", "intensity_measure", "region", "scenario", "horizon",
           "return_period_years", "factor", "source", "status")
OPTIONAL = ("basin",)


def _row(source: str, number: int, raw: dict[str, str | None]) -> tuple[ChangeFactor | None,
                                                                        list[Problem]]:
    problems: list[Problem] = []

    def bad(column: str, message: str) -> None:
        problems.append(Problem(source, number, column, message))

    cell = {k: (raw.get(k) or "").strip() for k in COLUMNS + OPTIONAL}
    for k in COLUMNS:
        if not cell[k]:
            bad(k, "empty: expected a value")
    if cell["hazard"] and cell["hazard"] not in HAZARDS:
        bad("hazard", f"{cell['hazard']!r}: expected one of {', '.join(HAZARDS)}")
    region = cell["region"]
    if region and region != "*" and not (len(region) == 3 and region.isascii() and region.isalpha()
                                             and region.isupper()):
        bad("region", f"{region!r}: expected an ISO3 country code (e.g. SRB) or '*'")
    scenario = cell["scenario"]
    if scenario and (scenario == BASELINE or not SCENARIO.match(scenario)):
        bad("scenario", f"{scenario!r}: expected a projection, RCPn.n or SSPn-n.n")
    horizon = cell["horizon"]
    if horizon and not (horizon.isascii() and horizon.isdigit() and 2000 <= int(horizon) <= 2300):
        bad("horizon", f"{horizon!r}: expected the projection's year (2000-2300)")
    numbers: dict[str, float] = {}
    for k in ("return_period_years", "factor"):
        try:
            numbers[k] = float(cell[k])
        except ValueError:
            numbers[k] = math.nan
        if cell[k] and not (math.isfinite(numbers[k]) and numbers[k] > 0):
            bad(k, f"{cell[k]!r}: expected a number > 0")
    if cell["status"] and cell["status"] not in STATUSES:
        bad("status", f"{cell['status']!r}: expected one of {', '.join(STATUSES)}")
    if problems:
        return None, problems
    return ChangeFactor(cell["hazard"], cell["intensity_measure"], region, cell["basin"] or "*",
                        scenario, horizon, numbers["return_period_years"], numbers["factor"],
                        cell["source"], cell["status"]), []


def parse_factors(text: str, source: str) -> list[ChangeFactor]:
    """The change factors of a table's text (``source`` names it in errors)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in COLUMNS if c not in header]
    unknown = [c for c in header if c not in COLUMNS + OPTIONAL]
    if missing or unknown:
        raise ValidationError(
            [Problem(source, 1, c, "missing column") for c in missing]
            + [Problem(source, 1, c, f"unknown column (expected {', '.join(COLUMNS + OPTIONAL)})")
               for c in unknown])
    rows: list[ChangeFactor] = []
    problems: list[Problem] = []
    seen: dict[tuple[object, ...], int] = {}
    for number, raw in enumerate(reader, start=2):
        clean = {(k or "").strip(): v for k, v in raw.items()}
        row, found = _row(source, number, clean)
        problems += found
        if row is None:
            continue
        key = (row.hazard, row.intensity_measure.casefold(), row.region, row.basin.casefold(),
               row.scenario, row.horizon, row.return_period_years)
        if key in seen:
            problems.append(Problem(source, number, "factor", f"repeats row {seen[key]} (same "
                                    "hazard, measure, region, basin, scenario, horizon and "
                                    "return period)"))
        seen.setdefault(key, number)
        rows.append(row)
    if problems:
        raise ValidationError(problems)
    if not rows:
        raise ValidationError([Problem(source, None, "", "no change factor rows")])
    return rows


def read_factors(path: Path) -> list[ChangeFactor]:
    """The change factors of the CSV file ``path``."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError([Problem(path.name, None, "", f"cannot be read: {exc}")]) from None
    return parse_factors(text, path.name)
