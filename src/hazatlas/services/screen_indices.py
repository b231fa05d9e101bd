"""Indices and location flags for the screening service.

The indices engineer's functions are called when importable:
``hazatlas.indices.water_risk.water_risk_index(inventory)`` (WRI),
``hazatlas.indices.tailings_hazard.tailings_hazard_index(establishment)`` (THI). A caller may
pass its own hook ``f(establishment) -> {"wri": ..., "thi": ..., "consequence_class": ...}``.
Without a hook the screening uses :func:`default_indices_batch`, which gives the same values
for all establishments at once with the batch functions ``water_risk_indices`` and
``tailings_hazard_indices``.
Location flags come from :func:`hazatlas.rules.location.assess_location` when the
establishment states Seveso categories; for bare points and establishments without stated
categories only the *location condition* of each criterion is reported (15 km from a land
border for LC-AIR; on a river that reaches another country for LC-WATER).
"""

from __future__ import annotations

import functools
import importlib
import itertools
import operator
from collections.abc import Callable, Sequence
from typing import Any, overload

import numpy as np

from hazatlas.domain.errors import HazatlasError
from hazatlas.domain.establishment import Establishment, EstablishmentKind
from hazatlas.services import natech_attribution


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


class IndexTable(Sequence[dict[str, Any]]):
    """Per-site results of the default indices hook kept as columns: ``table[i]`` is the dict
    :func:`default_hook` gives (``{}`` for a site without an establishment); ``wri``, ``thi``
    and ``consequence_class`` are the columns (``None`` where absent)."""

    def __init__(
        self,
        present: list[bool],
        wri: list[float | None],
        thi: list[float | None],
        problems: dict[int, list[str]],
    ) -> None:
        self.present = present
        self.wri = wri
        self.thi = thi
        self.consequence_class: list[str | None] = [None] * len(present)
        self.problems = problems

    def __len__(self) -> int:
        return len(self.present)

    @overload
    def __getitem__(self, i: int) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, i: slice) -> list[dict[str, Any]]: ...

    def __getitem__(self, i: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if not self.present[i]:
            return {}
        out: dict[str, Any] = {"wri": self.wri[i], "thi": self.thi[i], "consequence_class": None}
        if i % len(self) in self.problems:
            out["problems"] = list(self.problems[i % len(self)])
        return out


def default_indices_batch(
    establishments: Sequence[Establishment | None],
    *,
    fields: tuple[Sequence[Any], Sequence[Any], Sequence[Any]] | None = None,
) -> IndexTable | None:
    """What :func:`default_hook` gives for each establishment, computed in bulk by
    ``water_risk_indices`` and ``tailings_hazard_indices`` (the same values); ``None`` when the
    indices package does not provide them (then call the hook one by one).

    ``fields``: the ``inventory``, ``kind`` and ``tailings`` of every establishment when the
    caller has read them already (all establishments must then be present)."""
    wri_batch = _function("hazatlas.indices.water_risk", "water_risk_indices")
    thi_batch = _function("hazatlas.indices.tailings_hazard", "tailings_hazard_indices")
    if wri_batch is None or thi_batch is None:
        return None
    n = len(establishments)
    present = list(map(operator.is_not, establishments, itertools.repeat(None)))
    rows = list(itertools.compress(range(n), present))
    ests = [establishments[i] for i in rows] if len(rows) < n else establishments
    if fields is not None and len(rows) == n:
        inventories, kinds, tailings = fields
    elif ests:
        get = operator.attrgetter("inventory", "kind", "tailings")
        inventories, kinds, tailings = zip(*map(get, ests), strict=True)
    else:
        inventories, kinds, tailings = (), (), ()
    with_inv = list(itertools.compress(range(len(ests)), inventories))
    w = wri_batch([inventories[j] for j in with_inv] if len(with_inv) < n else inventories)
    tmf = [
        j
        for j, (k, t) in enumerate(zip(kinds, tailings, strict=True))
        if k == _TMF or t is not None
    ]
    t = thi_batch([ests[j] for j in tmf])
    row_of = np.asarray(rows, dtype=np.int64)
    wri = np.full(n, np.nan)
    wri[row_of[with_inv]] = w.value
    thi = np.full(n, np.nan)
    thi[row_of[tmf]] = t.value
    problems: dict[int, list[str]] = {}
    for k, exc in w.errors.items():
        problems.setdefault(rows[with_inv[k]], []).append(f"WRI not computed: {exc}")
    for k, exc in t.errors.items():
        problems.setdefault(rows[tmf[k]], []).append(f"THI not computed: {exc}")
    return IndexTable(present, _nullable(wri), _nullable(thi), problems)


_TMF = EstablishmentKind.TAILINGS


def _nullable(values: np.ndarray) -> list[float | None]:
    """Python floats, ``None`` for nan."""
    obj = values.astype(object)
    obj[np.isnan(values)] = None
    return obj.tolist()


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
    establishments: Sequence[Establishment | None] | None = None,
    inventories: Sequence[Any] | None = None,
) -> list[tuple[str, ...]]:
    """Triggered UNECE location criteria per site (see the module doc).

    ``establishments`` (one per site, ``None`` for a bare point) and their ``inventories``
    save reading them from ``sites``. The criteria are assessed once per distinct (Seveso categories, near a border,
    on transboundary water) combination.
    """
    near = (border_country != "") & (border_distance_m <= _air_limit_km() * 1000.0)
    combo = near.astype(np.int64) * 2 + np.asarray(transboundary, dtype=np.int64)
    geographic = [_geographic(bool(c // 2), bool(c % 2)) for c in range(4)]
    combos = combo.tolist()
    out = [geographic[c] for c in combos]
    if establishments is None:
        establishments = [site.establishment for site in sites]
    rows = list(
        itertools.compress(
            range(len(establishments)), map(operator.is_not, establishments, itertools.repeat(None))
        )
    )
    if inventories is not None and len(rows) == len(establishments):
        inventories = list(inventories)
    else:
        inventories = list(map(operator.attrgetter("inventory"), (establishments[i] for i in rows)))
    memo: dict[tuple[tuple[str, ...], int], tuple[str, ...]] = {}
    for i, inventory in zip(rows, inventories, strict=True):
        if not inventory:
            continue
        if len(inventory) == 1:
            key = tuple(inventory[0].seveso_categories)
        else:
            key = tuple(c for item in inventory for c in item.seveso_categories)
        if key:
            c = combos[i]
            flags = memo.get((key, c))
            if flags is None:
                flags = memo[(key, c)] = _assess(frozenset(key), c >= 2, c % 2 == 1)
            out[i] = flags
    return out


# -- THI natural conditions from the hazard layers a user loads --------------------------------

#: the PGA the THI takes: 10 % probability of exceedance in 50 years (docs/indices.md, section 4)
THI_RETURN_PERIOD_YEARS = 475.0
#: a flood layer of a return period up to this makes a site "flood prone" when wet there
FLOOD_PRONE_MAX_RETURN_PERIOD_YEARS = 100.0
THI_NATURAL_INPUTS = ("seismic_pga_g", "flood_prone")


def thi_natural_inputs(samples: Sequence[tuple[Any, Any]]) -> tuple[float | None, bool | None]:
    """The THI's natural-conditions inputs from the layers sampled at a site ((layer, sample)
    pairs of ``hazatlas.formats.hazard_rasters.sample_layers``): the PGA in g of a baseline
    earthquake layer of a 475-year return period; "flood prone" true when a baseline flood
    layer with a return period of at most 100 years is above its ``hazardous_above`` at the
    site, false when every such layer has a value there and none is, ``None`` otherwise
    (hazatlas design, docs/indices.md section 4 and docs/natech.md)."""
    baseline = [(lay, s) for lay, s in samples if lay.scenario == "baseline"]
    pga = next((s.value for lay, s in baseline if lay.hazard == "earthquake"
                and (lay.intensity_measure.lower(), lay.unit) == ("pga", "g")
                and lay.return_period_years == THI_RETURN_PERIOD_YEARS
                and s.value is not None), None)
    floods = [(lay, s) for lay, s in baseline if lay.hazard == "flood"
              and lay.return_period_years <= FLOOD_PRONE_MAX_RETURN_PERIOD_YEARS]
    flood_prone = None
    if any(s.value is not None and s.value > lay.hazardous_above for lay, s in floods):
        flood_prone = True
    elif floods and all(s.value is not None for _, s in floods):
        flood_prone = False
    return pga, flood_prone


def thi_with_layers(establishments: Sequence[Establishment], manifest: Any
                    ) -> dict[str, dict[str, Any]]:
    """THI of each tailings facility of ``establishments`` with its earthquake and flood inputs
    sampled from the layers of ``manifest`` (a layer manifest path, docs/natech.md): per
    establishment id ``thi`` (the value), ``inputs`` and ``missing`` (the natural inputs the
    layers did not give, scored precautionary by the THI)."""
    from hazatlas.formats.hazard_layers import read_manifest
    from hazatlas.formats.hazard_rasters import sample_layers
    from hazatlas.indices.tailings_hazard import tailings_hazard_index

    tmf = [e for e in establishments
           if e.kind == EstablishmentKind.TAILINGS or e.tailings is not None]
    if not tmf:
        return {}
    layers = read_manifest(manifest)
    samples = sample_layers(layers, manifest.parent, [(e.id, e.lon, e.lat) for e in tmf])
    n = len(tmf)
    out: dict[str, dict[str, Any]] = {}
    for i, e in enumerate(tmf):
        pairs = [(layers[k], samples[k * n + i]) for k in range(len(layers))]
        pga, flood = thi_natural_inputs(pairs)
        try:
            result = tailings_hazard_index(e, seismic_pga_g=pga, flood_prone=flood)
        except HazatlasError as exc:
            out[e.id] = {"thi": None, "inputs": {}, "missing": [], "problem": str(exc)}
            continue
        out[e.id] = {
            "thi": result.value if result else None,
            "inputs": {"seismic_pga_g": pga, "flood_prone": flood, "layers": manifest.name,
                       **natech_attribution.of_thi_inputs(pairs)},
            "missing": [k for k, v in (("seismic_pga_g", pga), ("flood_prone", flood))
                        if v is None],
        }
    return out
