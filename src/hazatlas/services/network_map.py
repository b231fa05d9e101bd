"""A stored river network's reaches on the web map (``GET /api/map/networks/{name}``).

A network users build may hold a million reaches (:mod:`hazatlas.services.networks`): the map
never receives them at once. Each answer holds the reaches whose bounding box meets the view
(``bbox``), at most :data:`MAX_REACHES` of them, the largest mean discharge first (the main
stems before their tributaries, so that a view of a whole basin shows its rivers and a closer
view adds the small ones), each simplified for the zoom as the base map's layers are
(:func:`hazatlas.services.basemap.tolerance`: half a screen pixel, coordinates rounded to a
tenth of it). ``numberMatched`` counts the reaches in the view, ``numberReturned`` those sent.

The per-network arrays (reach bounding boxes, the order by discharge) are computed once per
loaded network version and kept with it.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely  # type: ignore[import-untyped]

from hazatlas.geo.network import RiverNetwork
from hazatlas.services import basemap
from hazatlas.services import networks as stored_networks
from hazatlas.services.store import Database

#: At most this many reaches are sent per answer.
MAX_REACHES = 4000
#: Layers kept per process (as :data:`hazatlas.services.networks.MAX_LOADED`).
MAX_LAYERS = 2
_lock = threading.Lock()
_layers: dict[tuple[str, str, str], NetworkLayer] = {}


@dataclass(frozen=True)
class NetworkLayer:
    """What the map needs of one network, computed once: the reach lines, their bounding
    boxes, ids, names and mean discharge, and the reach order by falling discharge."""

    name: str
    lines: np.ndarray  # (n,) shapely LineStrings (None where a reach has no line)
    bounds: np.ndarray  # (n, 4) minx, miny, maxx, maxy
    reach_id: np.ndarray
    names: tuple[str | None, ...]
    discharge_m3_s: np.ndarray
    order: np.ndarray  # reach indices, largest mean discharge first (stable)

    @classmethod
    def of(cls, network: RiverNetwork, name: str) -> NetworkLayer:
        lines = np.empty(len(network), dtype=object)
        lines[:] = network.geometry
        bounds = np.asarray(shapely.bounds(lines), dtype=float).reshape(-1, 4)
        q = np.asarray(network.discharge("mean"), dtype=float)
        order = np.argsort(-np.nan_to_num(q, nan=-1.0), kind="stable")
        return cls(name, lines, bounds, np.asarray(network.reach_id), tuple(network.name),
                   q, order)  # fmt: skip

    def __len__(self) -> int:
        return len(self.lines)

    def geojson(self, zoom: int, bbox: tuple[float, float, float, float] | None) -> dict[str, Any]:
        """The reaches in ``bbox`` (W, S, E, N; the whole network if None) for ``zoom``."""
        b = self.bounds
        inside = np.isfinite(b[:, 0])
        if bbox is not None:
            w, s, e, n = bbox
            inside &= (b[:, 2] >= w) & (b[:, 0] <= e) & (b[:, 3] >= s) & (b[:, 1] <= n)
        ranked = self.order[inside[self.order]]
        take = ranked[:MAX_REACHES]
        tol = basemap.tolerance(zoom)
        decimals = max(0, math.ceil(-math.log10(tol / 10.0)))
        simple = shapely.simplify(self.lines[take], tol, preserve_topology=True)
        xy, which = shapely.get_coordinates(simple, return_index=True)
        xy = np.round(xy, decimals)
        bounds = np.searchsorted(which, np.arange(len(take) + 1))
        features = []
        for k, r in enumerate(take.tolist()):
            coords = xy[bounds[k] : bounds[k + 1]].tolist()
            q = float(self.discharge_m3_s[r])
            features.append({
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": coords},
                "properties": {"reach_id": int(self.reach_id[r]), "name": self.names[r],
                               "discharge_m3_s": round(q, 3) if math.isfinite(q) else None},
            })  # fmt: skip
        return {"type": "FeatureCollection", "network": self.name, "zoom": zoom,
                "numberMatched": int(len(ranked)), "numberReturned": len(take),
                "truncated": len(ranked) > len(take), "features": features}  # fmt: skip


def layer(db: Database, name: str) -> NetworkLayer:
    """The map layer of the stored network ``name`` (NotFoundError if there is none), computed
    once per version of the network; the last :data:`MAX_LAYERS` are kept."""
    row = stored_networks.show_network(db, name)
    key = (str(db.url), name, str(row["created_at"]))
    with _lock:
        hit = _layers.get(key)
    if hit is not None:
        return hit
    built = NetworkLayer.of(stored_networks.load_network(db, name), name)
    with _lock:
        _layers.pop(key, None)
        _layers[key] = built
        while len(_layers) > MAX_LAYERS:
            _layers.pop(next(iter(_layers)))
    return built


def choices(db: Database) -> list[dict[str, Any]]:
    """The stored networks the map may show: name, basin and number of reaches, by name."""
    return [{"name": r["name"], "basin": r["basin"], "reaches": r["reaches"]}
            for r in stored_networks.list_networks(db)]  # fmt: skip
