"""The one loader of the packaged reference tables (``hazatlas/data/reference/*.csv``).

Every table carries a ``source`` column (and usually a ``status`` column saying whether the value
was confirmed). Tables are read once and cached; callers get a tuple of plain dicts and must not
mutate them.

>>> rows = load_table("seveso3_annex1_part1_categories")
>>> rows[0]["code"], rows[0]["lower_tier_t"]
('H1', '5')
"""

from __future__ import annotations

import csv
import functools
import io
from importlib import resources
from pathlib import Path

from hazatlas.domain.errors import ReferenceDataError

_PACKAGE = "hazatlas.data"


def data_path(*parts: str) -> Path:
    """Filesystem path of a packaged data file (``data_path("geo", "rivers", "x.geojson")``)."""
    node = resources.files(_PACKAGE)
    for part in parts:
        node = node.joinpath(part)
    path = Path(str(node))
    if not path.exists():
        raise ReferenceDataError(f"packaged data file not found: {'/'.join(parts)}")
    return path


@functools.cache
def load_table(name: str) -> tuple[dict[str, str], ...]:
    """Rows of ``data/reference/<name>.csv`` as dicts of strings (cached).

    Raises :class:`ReferenceDataError` if the table is missing or has no ``source`` column.
    """
    path = data_path("reference", f"{name}.csv")
    text = path.read_text(encoding="utf-8")
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or "source" not in reader.fieldnames:
        raise ReferenceDataError(f"reference table {name}.csv has no 'source' column")
    return tuple(dict(row) for row in reader)
