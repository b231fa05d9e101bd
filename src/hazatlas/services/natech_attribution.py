"""Source, licence and attribution of the hazard layers behind Natech results (docs/natech.md).

Every screening document lists its layers once, in ``layers``, each with its ``source``,
``licence``, ``attribution`` (the manifest's ``attribution`` text, or "SOURCE (licence
LICENCE)" when it gives none), ``user_supplied``, ``non_commercial`` and, when either flag is
set, a ``licence_notice``. Values refer to their layer by ``layer_id`` (hazard values and unit
events); ranking rows name the layers with a value at the site (``layer_ids``) and carry the
notices that apply (``licence_notice``); the GeoJSON export repeats the ``layers`` section as a
member of the FeatureCollection and the CSV export gives per row the attributions of its layers.

A licence counts as **non-commercial** when it names NC as a licence element (Creative Commons
"BY-NC", "BY-NC-SA", "BY-NC-ND") or says "non-commercial"; GEM's global seismic hazard map is
CC BY-NC-SA 4.0 (GEM Foundation, Global Seismic Hazard Map v2023.1, licence statement on its
download page), hence ``user_supplied`` in the manifest.

>>> non_commercial("CC BY-NC-SA 4.0"), non_commercial("CC BY 4.0"), non_commercial("Non-commercial use only")
(True, False, True)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from hazatlas.domain.hazard_layer import HazardLayer

_NC = re.compile(r"(?i)(?<![a-z])NC(?![a-z])|non[\s-]?commercial")

#: the export columns this module adds to a ranking row
COLUMNS = ["layer_ids", "attribution", "licence_notice"]


def non_commercial(licence: str) -> bool:
    """Whether a licence text restricts use to non-commercial purposes (see the module)."""
    return bool(_NC.search(licence))


def attribution(layer: HazardLayer) -> str:
    """The layer's attribution text."""
    given = getattr(layer, "attribution", None)
    return given if given else f"{layer.source} (licence {layer.licence})"


def notice(layer: HazardLayer) -> str | None:
    """The licence notice of a layer flagged user-supplied or under a non-commercial licence."""
    parts = []
    if non_commercial(layer.licence):
        parts.append(f"layer {layer.id} is under a non-commercial licence ({layer.licence}): "
                     "results derived from it may not be used commercially and must credit "
                     f"{attribution(layer)}")
    if layer.user_supplied:
        parts.append(f"layer {layer.id} is user-supplied (not distributed with hazatlas): the "
                     f"user answers for its licence terms ({layer.licence})")
    return "; ".join(parts) or None


def describe(layer: HazardLayer) -> dict[str, Any]:
    """A layer's entry of the ``layers`` section."""
    return {**layer.to_dict(), "attribution": attribution(layer),
            "non_commercial": non_commercial(layer.licence), "licence_notice": notice(layer)}


def annotate_rows(rows: Iterable[dict[str, Any]], sites: Iterable[Mapping[str, Any]],
                  layers: Iterable[Mapping[str, Any]], *, per_scenario: bool = False) -> None:
    """Add ``layer_ids``, ``attribution`` and ``licence_notice`` to each ranking row, from the
    layers with a value at its site (``sites`` of the screening document, matched by id); with
    ``per_scenario`` (the climate rows), only the layers of the row's scenario and horizon."""
    by_id = {la["id"]: la for la in layers}
    hazards = {s["establishment_id"]: s["hazards"] for s in sites}
    for row in rows:
        ids = list(dict.fromkeys(
            h["layer_id"] for h in hazards.get(row["establishment_id"], [])
            if h["value"] is not None and h["layer_id"] in by_id
            and (not per_scenario or (h["scenario"], h["horizon"]) == (row["scenario"],
                                                                       row["horizon"]))))
        row["layer_ids"] = ids
        row["attribution"] = list(dict.fromkeys(by_id[i]["attribution"] for i in ids))
        notices = [by_id[i]["licence_notice"] for i in ids if by_id[i]["licence_notice"]]
        row["licence_notice"] = notices or None


def of_layer(layer: HazardLayer) -> dict[str, Any]:
    """Source, licence, attribution and notice of one layer (for a result using one layer)."""
    d = describe(layer)
    return {"layer_licence": d["licence"], "layer_attribution": d["attribution"],
            "layer_user_supplied": d["user_supplied"], "licence_notice": d["licence_notice"]}


def of_thi_inputs(pairs: Sequence[tuple[HazardLayer, Any]]) -> dict[str, Any]:
    """``layer_ids``, ``attribution`` and ``licence_notice`` of the layers that can give the
    THI's natural inputs at a site (baseline earthquake PGA in g of the THI's return period,
    baseline floods up to the flood-prone return period; those with a value there)."""
    from hazatlas.services.screen_indices import (
        FLOOD_PRONE_MAX_RETURN_PERIOD_YEARS,
        THI_RETURN_PERIOD_YEARS,
    )

    used = [lay for lay, s in pairs if lay.scenario == "baseline" and s.value is not None and (
        (lay.hazard == "earthquake" and (lay.intensity_measure.lower(), lay.unit) == ("pga", "g")
         and lay.return_period_years == THI_RETURN_PERIOD_YEARS)
        or (lay.hazard == "flood"
            and lay.return_period_years <= FLOOD_PRONE_MAX_RETURN_PERIOD_YEARS))]
    notices = [n for n in (notice(lay) for lay in used) if n]
    return {"layer_ids": [lay.id for lay in used],
            "attribution": list(dict.fromkeys(attribution(lay) for lay in used)),
            "licence_notice": notices or None}
