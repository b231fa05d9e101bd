"""Problems of an input in the reader's language: a register import's rejected rows and the
map's filters.

The import (:mod:`hazatlas.formats.register_rows` and its cell readers, the access rules of
:func:`hazatlas.domain.access.write_problems`) and the map's filters
(:class:`hazatlas.services.map.MapFilter`, :meth:`hazatlas.domain.register_query.BBox.parse`)
say what is wrong in English, with the values of the input in the text. Each English message form is listed here once as a ``web`` catalogue
message with named placeholders (:data:`MESSAGES`); a problem whose text has one of these forms
is shown with the catalogue's translation, the values put back in place. A message of another
form (a new check, a file the reader could not open) is shown as the import wrote it, in
English, rather than not at all.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from hazatlas.domain.errors import Problem

#: English message forms of the register import and the map's filters (the msgids of the
#: ``web`` catalogues)
MESSAGES = (
    "required column is missing",
    "unknown column (see docs/register-format.md)",
    "is required and empty",
    "is required on an inventory line",
    "is required: expected a number",
    "is required with a quantity: one of {units}",
    "is {length} characters long: expected a number",
    "is {length} characters long: expected at most {limit}",
    "{value} is not a number",
    "{value} is not a finite number",
    "{value} is negative: expected a number ≥ {minimum}",
    "{value} is out of range: expected at most {maximum}",
    "{value} is not an ISO date (YYYY-MM-DD)",
    "{value} is not a known mass unit: expected one of {units}",
    "{value} is not one of {allowed}",
    "{value} is not a known ISO 3166 alpha-3 country code",
    "{value} is not a valid id (letters, digits, '-', '_', '.', ':'; at most 100 characters)",
    "{value} is outside -180..180 degrees (use --crs for projected coordinates)",
    "{value} is outside -90..90 degrees (use --crs for projected coordinates)",
    "{point} cannot be transformed to WGS 84",
    "{point} lies {distance} km outside {country}: expected a point inside the stated country "
    "(tolerance {tolerance} km)",
    "duplicate id '{id}' with a different {field} than row {row} ({value} vs {first})",
    "{value} is not scheme=value",
    "is not readable WKT",
    "expected a valid WKT Polygon or MultiPolygon",
    "{value} is not name:value unit[:CAS] with a unit in {units}",
    "{value}: a concentration must be between 0 and 100 %",
    "{value} is not a CLP hazard statement code (e.g. H330, EUH014)",
    "{value} is not a Part 2 entry number 1-48",
    "{value} is not 1, 2 or 3",
    "{value} is not true or false",
    "{value} is not a CAS number of the form NNNNNNN-NN-N",
    "CAS number {value} has check digit {digit}, expected {expected}",
    "user {user} ({role}) may not write establishment {id} of {country}",
    "user {user} ({role}) may not write establishments of {country}",
    "user {user} ({role}) may not move establishment {id} from {before} to {after}",
    "{value} is not a known coordinate reference system (expected e.g. EPSG:32634)",
    "{what}: expected .csv, .xlsx, .geojson/.json or .gpkg",
    # the map's filters and view
    "{value} is not an ISO 3166 alpha-3 code",
    "{value} is not a known country code",
    "{value} is not a river basin of the bundled network",
    "{value} is not min_lon,min_lat,max_lon,max_lat",
    "{value} must satisfy -180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90",
    "{value} is not between {low} and {high}",
)

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _pattern(msgid: str) -> re.Pattern[str]:
    parts = _PLACEHOLDER.split(msgid)  # text, name, text, name, ..., text
    regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts))
    return re.compile(f"^{regex}$", re.DOTALL)


_PATTERNS = tuple((_pattern(m), m) for m in MESSAGES)


def message_form(message: str) -> tuple[str, dict[str, str]] | None:
    """The catalogue message and the values of an import problem's text, if it has a known form.

    >>> message_form("'XX' is not one of industrial, tailings")
    ('{value} is not one of {allowed}', {'value': "'XX'", 'allowed': 'industrial, tailings'})
    >>> message_form("something new") is None
    True
    """
    for pattern, msgid in _PATTERNS:
        if found := pattern.match(message):
            return msgid, found.groupdict()
    return None


@dataclass(frozen=True)
class ShownProblem:
    """A problem as the page lists it: where, and what was expected, in the reader's language."""

    file: str
    row: int | None
    field: str
    message: str
    translated: bool


def translate(problem: Problem, gettext: Callable[..., str]) -> ShownProblem:
    """``problem`` with its message in ``gettext``'s language when its form is known."""
    form = message_form(problem.message)
    text = gettext(form[0], **form[1]) if form else problem.message
    return ShownProblem(problem.source, problem.row, problem.field, text, form is not None)
