"""Hazard layers a user loads: what each declares, and what sampling it at a point gives.

A :class:`HazardLayer` is one raster (GeoTIFF) or polygon file, declared in a layer manifest
(``hazatlas.formats.hazard_layers``; format in docs/natech.md) with the hazard, the intensity
measure and its unit, the return period, the climate scenario and horizon, the source and the
licence, and how it is sampled. A :class:`LayerSample` is the value of one layer at one point,
with the status of the data there and the distance to the nearest hazardous cell or polygon.

>>> HazardLayer("jrc-rp100", "raster", "rp100.tif", "flood", "depth", "m", 100.0,
...             "baseline", "baseline", "JRC", "CC BY 4.0").label
'flood depth (m), RP 100 y, baseline'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

KINDS = ("raster", "polygons")
HAZARDS = ("earthquake", "flood", "rainfall", "landslide", "lightning", "wind", "cold", "heat")
SAMPLING = ("nearest", "bilinear")
NODATA_IS = ("missing", "zero")
BASELINE = "baseline"
#: climate scenarios: baseline, RCP2.6/4.5/6.0/8.5, SSP1-1.9 ... SSP5-8.5
SCENARIO = re.compile(
    r"^(baseline|RCP(2\.6|4\.5|6\.0|8\.5)|SSP[1-5]-(1\.9|2\.6|3\.4|4\.5|7\.0|8\.5))$"
)
DEFAULT_SEARCH_RADIUS_M = 5000.0


@dataclass(frozen=True)
class HazardLayer:
    """One declared hazard layer (see the module docstring; units in the field names)."""

    id: str
    kind: str
    path: str
    hazard: str
    intensity_measure: str
    unit: str
    return_period_years: float
    scenario: str
    horizon: str
    source: str
    licence: str
    sampling: str = "nearest"
    band: int = 1
    nodata_is: str = "missing"
    hazardous_above: float = 0.0
    search_radius_m: float = DEFAULT_SEARCH_RADIUS_M
    value_field: str | None = None
    value: float | None = None
    user_supplied: bool = False
    #: the credit line the licence asks for (None: "source (licence ...)" is used)
    attribution: str | None = None

    @property
    def label(self) -> str:
        """Short description: hazard, measure, unit, return period, scenario and horizon."""
        when = self.scenario if self.scenario == BASELINE else f"{self.scenario} {self.horizon}"
        return (
            f"{self.hazard} {self.intensity_measure} ({self.unit}), "
            f"RP {self.return_period_years:g} y, {when}"
        )

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready dict."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class LayerSample:
    """The value of one layer at one point (``None`` when missing, ``status`` says why)."""

    layer_id: str
    point_id: str
    value: float | None
    unit: str
    status: str
    method: str
    distance_to_hazard_m: float | None
    note: str = ""

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready dict."""
        return dict(self.__dict__)
