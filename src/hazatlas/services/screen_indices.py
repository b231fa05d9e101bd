"""Indices and location flags for the screening service.

The indices engineer's functions are called when importable:
``hazatlas.indices.water_risk.water_risk_index(inventory)`` (WRI),
``hazatlas.indices.tailings_hazard.tailings_hazard_index(establishment)`` (THI). A caller may
pass its own hook ``f(establishment) -> {"wri": ..., "thi": ..., "consequence_class": ...}``.
Location flags come from :func:`hazatlas.rules.location.assess_location` when the
establishment states Seveso categories; for bare points and establishments without stated
categories only the *location condition* of each criterion is reported (15 km from a land
border for LC-AIR; on a river that reaches another country for LC-WATER).
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from hazatlas.domain.errors import HazatlasError
from hazatlas.domain.establishment import Establishment, EstablishmentKind


@functools.cache
def _function(module: str, name: str) -> Callable[..., Any] | None:
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None


def _number(result: Any) -> Any:
    if result is None or isinstance(result, int | float):
        return result
    for attr in ("value", "score", "index"):
        if hasattr(result, attr):
            return getattr(result, attr)
    return str(result)


def default_hook() -> Callable[[Establishment], dict[str, Any]]:
    """The default indices hook, with the indices functions resolved once."""
    wri = _function("hazatlas.indices.water_risk", "water_risk_index")
    thi = _function("hazatlas.indices.tailings_hazard", "tailings_hazard_index")
    tailings_kind = EstablishmentKind.TAILINGS

    def hook(establishment: Establishment) -> dict[str, Any]:
        out: dict[str, Any] = {"wri": None, "thi": None, "consequence_class": None}
        problems = []
        if wri is not None and establishment.inventory:
            try:
                out["wri"] = _number(wri(establishment.inventory))
            except HazatlasError as exc:
                problems.append(f"WRI not computed: {exc}")
        if thi is not None and (
            establishment.kind == tailings_kind or establishment.tailings is not None
        ):
            try:
                out["thi"] = _number(thi(establishment))
            except HazatlasError as exc:
                problems.append(f"THI not computed: {exc}")
        if problems:
            out["problems"] = problems
        return out

    return hook


def default_indices(establishment: Establishment) -> dict[str, Any]:
    """WRI and THI of one establishment (None where not applicable or not computable)."""
    return default_hook()(establishment)


@functools.cache
def _air_limit_km() -> float:
    fn = _function("hazatlas.rules.location", "air_border_distance_km")
    if fn is not None:
        return float(fn())
    import re

    from hazatlas.domain.reference import load_table

    for row in load_table("unece_location_criteria"):
        if row["criterion_id"] == "LC-AIR":
            m = re.search(r"(\d+(?:\.\d+)?)\s*km", row["location_criterion"])
            if m:
                return float(m.group(1))
    raise HazatlasError("unece_location_criteria.csv has no LC-AIR distance")


@functools.cache
def _assess(categories: frozenset[str], near: bool, transboundary: bool) -> tuple[str, ...]:
    fn = _function("hazatlas.rules.location", "assess_location")
    inputs_cls = _function("hazatlas.rules.location", "LocationInputs")
    if fn is None or inputs_cls is None:
        return _geographic(near, transboundary)
    limit = _air_limit_km()
    inputs = inputs_cls(
        border_distance_km=limit if near else limit * 2,
        border_country_iso3=None,
        on_transboundary_water=transboundary,
    )
    return tuple(f.criterion_id for f in fn(sorted(categories), inputs) if f.triggered)


def _geographic(near: bool, transboundary: bool) -> tuple[str, ...]:
    return tuple(c for c, on in (("LC-AIR", near), ("LC-WATER", transboundary)) if on)


def location_flags(
    sites: Sequence[Any],
    border_country: np.ndarray,
    border_distance_m: np.ndarray,
    transboundary: np.ndarray,
    network: Any,
    reach: np.ndarray,
) -> list[tuple[str, ...]]:
    """Triggered UNECE location criteria per site (see the module doc)."""
    near = (border_country != "") & (border_distance_m <= _air_limit_km() * 1000.0)
    combo = near.astype(np.int64) * 2 + np.asarray(transboundary, dtype=np.int64)
    geographic = [_geographic(bool(c // 2), bool(c % 2)) for c in range(4)]
    out = [geographic[c] for c in combo.tolist()]
    for i, site in enumerate(sites):
        est = site.establishment
        if est is None or not est.inventory:
            continue
        cats = frozenset(c for item in est.inventory for c in item.seveso_categories)
        if cats:
            out[i] = _assess(cats, bool(near[i]), bool(transboundary[i]))
    return out
