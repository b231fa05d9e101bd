"""The hazard layer manifest: a TOML file declaring the rasters and polygon files a user loads.

One ``[[layer]]`` table per layer (format in docs/natech.md). Every problem in the file is
reported at once, naming the manifest, the layer (number and id) and the key, and nothing is
loaded when there is one. Paths are relative to the manifest's folder.

>>> text = '''
... [[layer]]
... id = "rp100"
... kind = "raster"
... path = "rp100.tif"
... hazard = "flood"
... intensity_measure = "depth"
... unit = "m"
... return_period_years = 100
... scenario = "baseline"
... source = "JRC river flood hazard map v3.1.1, RP100"
... licence = "CC BY 4.0"
... sampling = "bilinear"
... '''
>>> [layer.label for layer in parse_manifest(text, "layers.toml", check_files=False)]
['flood depth (m), RP 100 y, baseline']
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hazatlas.domain.errors import Problem, ValidationError
from hazatlas.domain.hazard_layer import (
    BASELINE,
    DEFAULT_SEARCH_RADIUS_M,
    HAZARDS,
    KINDS,
    NODATA_IS,
    SAMPLING,
    SCENARIO,
    HazardLayer,
)

REQUIRED_TEXT = (
    "id",
    "kind",
    "path",
    "hazard",
    "intensity_measure",
    "unit",
    "scenario",
    "source",
    "licence",
)
KEYS = set(REQUIRED_TEXT) | {
    "return_period_years",
    "horizon",
    "sampling",
    "band",
    "nodata_is",
    "hazardous_above",
    "search_radius_m",
    "value_field",
    "value",
    "user_supplied",
    "attribution",
}


class _Layer:
    """Checks of one ``[[layer]]`` table, collecting problems named by layer and key."""

    def __init__(self, source: str, number: int, table: Mapping[str, Any]) -> None:
        self.source, self.table = source, table
        self.name = f"layer {number}" + (
            f" ({table['id']})" if isinstance(table.get("id"), str) else ""
        )
        self.problems: list[Problem] = []

    def problem(self, key: str, message: str) -> None:
        self.problems.append(Problem(self.source, None, f"{self.name}: {key}", message))

    def text(self, key: str, choices: tuple[str, ...] = (), default: str | None = None) -> str:
        value = self.table.get(key, default)
        if not isinstance(value, str) or not value.strip():
            self.problem(key, f"{value!r}: expected a non-empty text")
            return ""
        if choices and value not in choices:
            self.problem(key, f"{value!r}: expected one of {', '.join(choices)}")
        return value.strip()

    def number(self, key: str, default: float | None, *, positive: bool = False) -> float:
        value = self.table.get(key, default)
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if not ok or not math.isfinite(float(value)) or (positive and float(value) <= 0):
            want = "a number > 0" if positive else "a finite number"
            self.problem(key, f"{value!r}: expected {want}")
            return math.nan
        return float(value)


def _horizon(layer: _Layer, scenario: str) -> str:
    value = layer.table.get("horizon", BASELINE if scenario == BASELINE else None)
    if scenario == BASELINE:
        if value != BASELINE:
            layer.problem("horizon", f"{value!r}: a baseline layer has the horizon 'baseline'")
        return BASELINE
    if not (isinstance(value, int) and not isinstance(value, bool) and 2000 <= value <= 2300):
        layer.problem("horizon", f"{value!r}: expected the year of the {scenario} projection")
        return ""
    return str(value)


def _polygon_value(layer: _Layer, kind: str) -> tuple[str | None, float | None]:
    field, value = layer.table.get("value_field"), layer.table.get("value")
    if kind != "polygons":
        if field is not None or value is not None:
            layer.problem("value_field", "only polygon layers take value_field or value")
        return None, None
    if (field is None) == (value is None):
        layer.problem("value_field", "a polygon layer takes exactly one of value_field or value")
        return None, None
    if field is not None:
        return layer.text("value_field"), None
    return None, layer.number("value", None)


def _layer(
    source: str, number: int, table: Mapping[str, Any], folder: Path | None
) -> tuple[HazardLayer | None, list[Problem]]:
    layer = _Layer(source, number, table)
    for key in sorted(set(table) - KEYS):
        layer.problem(key, f"unknown key (expected {', '.join(sorted(KEYS))})")
    values = {k: layer.text(k) for k in REQUIRED_TEXT if k not in ("kind", "hazard")}
    kind = layer.text("kind", KINDS)
    hazard = layer.text("hazard", HAZARDS)
    scenario = values["scenario"]
    if scenario and not SCENARIO.match(scenario):
        layer.problem("scenario", f"{scenario!r}: expected baseline, RCPn.n or SSPn-n.n")
    horizon = _horizon(layer, scenario)
    sampling = layer.text("sampling", SAMPLING, "nearest") if kind != "polygons" else "polygon"
    band = table.get("band", 1)
    if not (isinstance(band, int) and not isinstance(band, bool) and band >= 1):
        layer.problem("band", f"{band!r}: expected a band number >= 1")
    user_supplied = table.get("user_supplied", False)
    if not isinstance(user_supplied, bool):
        layer.problem("user_supplied", f"{user_supplied!r}: expected true or false")
    attribution = table.get("attribution")
    if attribution is not None and not (isinstance(attribution, str) and attribution.strip()):
        layer.problem("attribution", f"{attribution!r}: expected a non-empty text")
    field, value = _polygon_value(layer, kind)
    path = values["path"]
    if folder is not None and path and not (folder / path).is_file():
        layer.problem("path", f"{path!r}: no such file next to the manifest")
    built = HazardLayer(
        id=values["id"],
        kind=kind,
        path=path,
        hazard=hazard,
        intensity_measure=values["intensity_measure"],
        unit=values["unit"],
        return_period_years=layer.number("return_period_years", None, positive=True),
        scenario=scenario,
        horizon=horizon,
        source=values["source"],
        licence=values["licence"],
        sampling=sampling,
        band=band if isinstance(band, int) else 1,
        nodata_is=layer.text("nodata_is", NODATA_IS, "missing"),
        hazardous_above=layer.number("hazardous_above", 0.0),
        search_radius_m=layer.number("search_radius_m", DEFAULT_SEARCH_RADIUS_M, positive=True),
        value_field=field,
        value=value,
        user_supplied=bool(user_supplied),
        attribution=attribution.strip() if isinstance(attribution, str) else None,
    )
    return (None if layer.problems else built), layer.problems


def parse_manifest(
    text: str, source: str, *, folder: Path | None = None, check_files: bool = True
) -> list[HazardLayer]:
    """The layers of a manifest's text (``source`` names it in errors; ``folder`` is where the
    paths are, checked to exist when ``check_files``)."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError([Problem(source, None, "", f"not readable TOML: {exc}")]) from None
    tables = doc.get("layer")
    problems = [
        Problem(source, None, k, "unknown top-level key (expected [[layer]] tables)")
        for k in doc
        if k != "layer"
    ]
    if not isinstance(tables, list) or not tables:
        raise ValidationError(problems + [Problem(source, None, "layer", "no [[layer]] tables")])
    layers: list[HazardLayer] = []
    for number, table in enumerate(tables, start=1):
        built, found = _layer(source, number, table, folder if check_files else None)
        problems += found
        if built is not None:
            layers.append(built)
    seen: set[str] = set()
    for layer in layers:
        if layer.id in seen:
            problems.append(Problem(source, None, f"layer ({layer.id}): id", "repeated id"))
        seen.add(layer.id)
    if problems:
        raise ValidationError(problems)
    return layers


def read_manifest(path: Path) -> list[HazardLayer]:
    """The layers of the manifest file ``path`` (their paths checked next to it)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError([Problem(path.name, None, "", f"cannot be read: {exc}")]) from None
    return parse_manifest(text, path.name, folder=path.parent)
