"""The values of a stored scenario's page, by kind: the map layers (:mod:`.drawing`), the
tables and, for a river spill, the breakthrough curves (:mod:`.chart`, :mod:`.rerun`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hazatlas.domain.access import Principal
from hazatlas.domain.errors import NotFoundError
from hazatlas.services.store import Database
from hazatlas.web.scenarios import chart, drawing, rerun

#: the file name a stored network has in a run's provenance (services/networks.network_version)
_STORED = "network:"


def network_of(db: Database, stored: dict[str, Any]) -> tuple[Any, str | None]:
    """The river network a stored run was made on, to draw its reaches, and why not when it
    cannot be drawn: ``(None, None)`` for runs on the packaged data (the bundled network, the
    drawing's default); the stored network its provenance names (``network:NAME (file)``) while
    that network is still built from the same file (the SHA-256 recorded with the run); and
    ``(None, reason)`` when the run was made on a user's network file (not kept by hazatlas) or
    on a stored network since deleted or rebuilt from another file: its reaches are then not
    drawn, rather than drawn on reaches of another network that happen to share their ids."""
    from hazatlas.services import networks

    for d in (stored["result"].get("provenance") or {}).get("data") or []:
        name = str(d.get("file", ""))
        if name.startswith(_STORED):
            net_name = name[len(_STORED):].split(" (", 1)[0]
            try:
                current = networks.network_version(db, net_name)
            except NotFoundError:
                return None, f"the stored river network {net_name!r} no longer exists"
            if current["sha256"] != d.get("sha256"):
                return None, (f"the stored river network {net_name!r} has been rebuilt from "
                              "another file since the run")
            return networks.load_network(db, net_name), None
        if not name.startswith(("geo/", "reference/")):
            return None, f"the run was made on a river network file ({name})"
    return None, None


def _when(text: str | None) -> str | None:
    return text.replace("T", " ") if text else None


def _river_rows(result: dict[str, Any], extra: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The country table: river km, first arrival above the threshold (and hours after the
    start), peak, peak time and hours above the threshold."""
    start = result["source"]["start"]
    borders = {b["country"]: b for b in (extra or {}).get("borders") or []}
    rows = []
    for c in result.get("countries") or []:
        b = borders.get(c["country"], {})
        rows.append({"country": c["country"], "km": c.get("river_km_from_source"),
                     "border_river": c.get("border_river"), "via": c.get("via"),
                     "arrival": _when(c.get("first_arrival")),
                     "arrival_h": drawing.hours_between(start, c.get("first_arrival")),
                     "peak_mg_l": c.get("peak_mg_l"), "peak_h": b.get("peak_hours"),
                     "hours_above": b.get("hours_above")})
    return rows


def _chart(extra: dict[str, Any] | None, names: dict[str, str],
           num: Callable[..., str]) -> dict[str, Any] | None:
    """``draw(time_axis, value_axis, threshold, title)`` for the template and the legend's
    (colour, name) pairs; None without curves."""
    if not extra or not extra["curves"]:
        return None
    curves = [chart.Curve(names.get(c["name"], c["name"]) if c["border"] else c["name"], c["mg_l"])
              for c in extra["curves"]]

    def draw(time_axis: str, value_axis: str, threshold: str, title: str) -> str:
        return chart.svg(extra["times_s"], curves, extra["threshold_mg_l"],
                         chart.Texts(time_axis, value_axis, threshold, title), num)

    return {"draw": draw, "legend": chart.legend(curves)}


def river(principal: Principal, stored: dict[str, Any], names: dict[str, str],
          num: Callable[..., str], net: Any = None, draw: bool = True) -> dict[str, Any]:
    result = stored["result"]
    extra = rerun.extra(principal, stored)
    return {"layers": drawing.river_layers(result, net, draw_reaches=draw), "rows": _river_rows(result, extra),
            "chart": _chart(extra, names, num), "reproduced": extra is not None,
            "bins": [colour for _, colour in drawing.ARRIVAL_BINS], "not_above": drawing.NOT_ABOVE}


def plume(principal: Principal, stored: dict[str, Any]) -> dict[str, Any]:
    result, values = stored["result"], rerun.inputs(stored)
    at, wind = values.get("at"), values.get("wind_from_deg")
    extra = rerun.extra(principal, stored) if at is not None and wind is not None else None
    return {"layers": drawing.plume_layers(result, at, wind, (extra or {}).get("polygons")),
            "at": at, "wind_from_deg": wind, "reproduced": extra is not None,
            "colours": drawing.ZONE_COLOURS, "inputs": values}


def runout(stored: dict[str, Any], net: Any = None, draw: bool = True) -> dict[str, Any]:
    result = stored["result"]
    dam = rerun.inputs(stored).get("at")
    return {"layers": drawing.runout_layers(result, dam, None, net, draw_reaches=draw),
            "runout": result, "dam": dam}


def _leading_spill(result: dict[str, Any]) -> dict[str, Any] | None:
    """The river spill of the constituent that first arrives above its threshold at a border
    (the first spill when none does)."""
    spills = [sp for sp in result.get("spills") or [] if sp.get("profile")]
    first = next((c.get("constituent") for c in result.get("countries") or []
                  if c.get("first_arrival") and c.get("constituent")), None)
    return next((sp for sp in spills if sp.get("constituent") == first), spills[0] if spills else None)


def tailings_failure(stored: dict[str, Any], net: Any = None, draw: bool = True
                     ) -> dict[str, Any]:
    """The runout part, and the river reaches of the leading constituent by arrival."""
    result = stored["result"]
    e = result.get("establishment") or {}
    dam = [e["lon"], e["lat"]] if e.get("lon") is not None else None
    entry = result.get("river_entry")
    layers = drawing.runout_layers(result.get("runout") or {}, dam, entry, net, draw_reaches=draw)
    spill = _leading_spill(result)
    if spill is not None:
        reaches = [f for f in drawing.river_layers(spill, net, draw_reaches=draw)["features"]
                   if f["properties"]["role"] == "reach"]
        layers["features"] = reaches + layers["features"]
    return {"layers": layers, "runout": result.get("runout") or {}, "dam": dam, "entry": entry,
            "spill": spill, "bins": [colour for _, colour in drawing.ARRIVAL_BINS],
            "not_above": drawing.NOT_ABOVE}


def scenario_view(principal: Principal, stored: dict[str, Any], names: dict[str, str],
                  num: Callable[..., str], db: Database | None = None) -> dict[str, Any]:
    """Everything the page of a stored run shows; with ``db``, the reaches are drawn on the
    network the run was made on (:func:`network_of`), and ``network_note`` says why they are
    not drawn when that network is gone."""
    kind = stored["kind"]
    net, note = network_of(db, stored) if db is not None and kind != "plume" else (None, None)
    draw = note is None
    if kind == "river":
        parts = river(principal, stored, names, num, net, draw)
    elif kind == "plume":
        parts = plume(principal, stored)
    elif kind == "runout":
        parts = runout(stored, net, draw)
    else:
        parts = tailings_failure(stored, net, draw)
    return {"s": stored, "r": stored["result"], "kind": kind, "network_note": note, **parts}
