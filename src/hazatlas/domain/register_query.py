"""What a caller asks of the register: the filters and page of a listing, and a bounding box.

Plain values: the API, the CLI and the web pages build them; the register service and the
storage layer answer them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hazatlas.domain.errors import Problem, ValidationError


@dataclass(frozen=True)
class BBox:
    """A longitude/latitude box in WGS 84 degrees (edges included)."""

    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    @classmethod
    def parse(cls, text_: str, *, name: str = "bbox") -> BBox:
        """Parse ``min_lon,min_lat,max_lon,max_lat`` (WGS 84 degrees).

        >>> BBox.parse("20, 44, 23.5, 46")
        BBox(min_lon=20.0, min_lat=44.0, max_lon=23.5, max_lat=46.0)
        """
        parts = [p.strip() for p in text_.split(",")]
        try:
            values = [float(p) for p in parts]
        except ValueError:
            values = []
        if len(values) != 4 or not all(math.isfinite(v) for v in values):
            raise ValidationError([Problem("parameter", None, name,
                                           f"'{text_}' is not min_lon,min_lat,max_lon,max_lat")])
        box = cls(*values)
        if not (-180 <= box.min_lon <= box.max_lon <= 180 and -90 <= box.min_lat <= box.max_lat <= 90):
            raise ValidationError([Problem(
                "parameter", None, name,
                f"'{text_}' must satisfy -180 <= min_lon <= max_lon <= 180 and "
                "-90 <= min_lat <= max_lat <= 90")])
        return box


@dataclass(frozen=True)
class RegisterQuery:
    """Filters of a register listing (all optional, combined with AND) and the page wanted,
    in id order."""

    bbox: BBox | None = None
    country: str | None = None
    within_country: str | None = None
    kind: str | None = None
    limit: int = 100
    offset: int = 0
