"""The map of hazardous activities: the register's sites filtered and clustered on the server
(``GET /api/map/sites``), so a page never receives 100,000 markers.

Public values are sent to every user alike: the establishment fields that
:data:`hazatlas.domain.access.PUBLIC_FIELDS` declares public and the two identification results
that :data:`hazatlas.services.assessments.PUBLIC_CLASSIFICATION_KEYS` declares public (Seveso
tier, Convention hazardous activity). Coloured by a risk index (``colour`` ``wri`` or ``thi``,
:mod:`hazatlas.services.map_risk`), a site's class and value are sent only to a user who may
read the site in full; for the others they are withheld. The Seveso tier and Convention status
are those of the stored identification; a site whose identification has not been computed yet
(a bulk import leaves it to be computed when next read) shows "not assessed".

Clustering is a grid in Web Mercator pixels (EPSG:3857, 256-pixel tiles as Leaflet draws them):
at zoom ``z`` the world is ``256 * 2**z`` pixels wide and the sites of each
:data:`CELL_PX`-pixel cell form one cluster, drawn at their mean position, with their count,
bounding box and dominant kind, tier and Convention status. The grid is fixed to the world, so
panning does not regroup the sites. Individual sites are sent instead when at most
:data:`MAX_SITES` match (or :data:`MAX_SITES_ZOOMED` from zoom :data:`SITES_ZOOM` on); a cell
holding one site is sent as that site.

The whole register's public columns are read once into numpy arrays and kept while the
register's stamp (``storage.map.register_stamp``) is unchanged.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hazatlas.domain.access import PUBLIC_FIELDS, Principal
from hazatlas.domain.errors import Problem, ValidationError
from hazatlas.domain.establishment import EstablishmentKind, EstablishmentStatus
from hazatlas.domain.register_query import BBox
from hazatlas.services import assessments, basemap, geodata
from hazatlas.services.map_risk import SCALES, WITHHELD, RiskScale, readable
from hazatlas.storage import map as stored
from hazatlas.storage.db import Database

CELL_PX = 80  # cluster cell, in screen pixels (Leaflet.markercluster's default radius is 80)
MAX_SITES = 400  # at most this many matching sites are sent one by one at any zoom
SITES_ZOOM = 11  # from this zoom on, sites are sent one by one ...
MAX_SITES_ZOOMED = 3000  # ... when at most this many match
MAX_ZOOM = 20
NOT_ASSESSED = "not assessed"
TIERS = ("upper", "lower", "none", NOT_ASSESSED)
CONVENTION = ("yes", "no", NOT_ASSESSED)
KINDS = tuple(k.value for k in EstablishmentKind)
STATUSES = tuple(s.value for s in EstablishmentStatus)
SITE_FIELDS = ("id", "name", "kind", "country_iso3", "status")
CLASSIFICATION_FIELDS = ("seveso_tier", "convention_hazardous_activity")
assert set(SITE_FIELDS) <= PUBLIC_FIELDS
assert set(CLASSIFICATION_FIELDS) <= set(assessments.PUBLIC_CLASSIFICATION_KEYS)
FILTERS = ("country", "basin", "kind", "tier", "convention", "status", "q")
#: what the sites may be coloured by: public values, then the risk indices (map_risk)
COLOURS = ("tier", "convention", "kind", *SCALES)


@dataclass(frozen=True)
class MapFilter:
    """What the map shows: every filter optional (``None``: no filter), combined with AND.

    ``q`` matches a site whose id or name contains it (case-insensitive); ``basin`` is a river
    system of the bundled network (the one the site's screening found it discharges to).
    """

    country: str | None = None
    basin: str | None = None
    kind: str | None = None
    tier: str | None = None
    convention: str | None = None
    status: str | None = None
    q: str | None = None

    @classmethod
    def from_params(cls, params: Mapping[str, str | None]) -> MapFilter:
        """From query parameters as a form sends them: blank means no filter.

        >>> MapFilter.from_params({"country": "srb", "kind": "", "q": " Bor "})
        MapFilter(country='SRB', basin=None, kind=None, tier=None, convention=None, status=None, q='Bor')
        """
        values = {k: (params.get(k) or "").strip() or None for k in FILTERS}
        if values["country"]:
            values["country"] = values["country"].upper()
        problems = []
        if values["country"] and not (len(values["country"]) == 3 and values["country"].isalpha()):
            problems.append(Problem("parameter", None, "country",
                                    f"'{values['country']}' is not an ISO 3166 alpha-3 code"))
        for name, allowed in (("kind", KINDS), ("tier", TIERS), ("convention", CONVENTION),
                              ("status", STATUSES)):
            if values[name] is not None and values[name] not in allowed:
                problems.append(Problem("parameter", None, name,
                                        f"'{values[name]}' is not one of {', '.join(allowed)}"))
        if problems:
            raise ValidationError(problems)
        return cls(**values)

    def params(self) -> dict[str, str]:
        """The filters that are set, as query parameters (the page's URL)."""
        return {k: v for k in FILTERS if (v := getattr(self, k))}

    def unknown(self, db: Database) -> list[Problem]:
        """Problems with a country or basin well formed but unknown: a country without a
        polygon in the bundled geodata, a basin that is not a river system of the network."""
        problems = []
        if self.country and self.country not in geodata.country_names(db):
            problems.append(Problem("parameter", None, "country",
                                    f"'{self.country}' is not a known country code"))
        if self.basin and self.basin.casefold() not in {b.casefold() for b in basin_names()}:
            problems.append(Problem("parameter", None, "basin",
                                    f"'{self.basin}' is not a river basin of the bundled network"))
        return problems


@dataclass
class SiteIndex:
    """The register's public columns as arrays (one entry per site, in id order)."""

    stamp: tuple[Any, ...]
    ids: list[str]
    names: list[str]
    lon: np.ndarray
    lat: np.ndarray
    kind: np.ndarray
    country: np.ndarray
    status: np.ndarray
    tier: np.ndarray
    convention: np.ndarray
    disclosure: np.ndarray
    folded: list[str] = field(default_factory=list)  # "id name", casefolded, for ``q``
    basin: np.ndarray | None = None  # river system per site, read when first filtered by
    risk: dict[str, np.ndarray] | None = None  # WRI, THI per site, read when first coloured by

    def __len__(self) -> int:
        return len(self.ids)


_CACHE: dict[str, SiteIndex] = {}
_LOCK = threading.Lock()


def site_index(db: Database) -> SiteIndex:
    """The cached index of ``db``'s register, rebuilt when the register's stamp changed."""
    with db.transaction() as s:
        stamp = stored.register_stamp(s)
        cached = _CACHE.get(db.url)
        if cached is not None and cached.stamp == stamp:
            return cached
        rows = stored.map_rows(s)
        ids = [r[0] for r in rows]
        tiers = stored.stored_tiers(s, ids)
    index = _build_index(stamp, rows, tiers)
    with _LOCK:
        _CACHE[db.url] = index
    return index


def _convention_label(value: bool | None) -> str:
    return NOT_ASSESSED if value is None else ("yes" if value else "no")


def _build_index(stamp: tuple[Any, ...], rows: list[tuple[Any, ...]],
                 tiers: Mapping[str, tuple[str | None, bool | None]]) -> SiteIndex:
    ids = [r[0] for r in rows]
    classified = [tiers.get(i, (None, None)) for i in ids]
    return SiteIndex(
        stamp=stamp, ids=ids, names=[r[1] for r in rows],
        kind=np.array([str(r[2]) for r in rows], dtype=object),
        country=np.array([r[3] for r in rows], dtype=object),
        status=np.array([str(r[4]) for r in rows], dtype=object),
        lon=np.array([r[5] for r in rows], dtype=float),
        lat=np.array([r[6] for r in rows], dtype=float),
        tier=np.array([t or NOT_ASSESSED for t, _ in classified], dtype=object),
        convention=np.array([_convention_label(c) for _, c in classified], dtype=object),
        disclosure=np.array([str(r[7]) for r in rows], dtype=object),
        folded=[f"{r[0]}\n{r[1]}".casefold() for r in rows],
    )


def _stored_screening(db: Database, ids: list[str], read: Any) -> dict[str, Any]:
    """``read(session, ids)`` of the stored screenings, computing and storing first those of
    the sites that have none yet (as the ranking does)."""
    with db.transaction() as s:
        values: dict[str, Any] = read(s, ids)
        missing = [i for i in ids if i not in values]
        if missing:
            assessments.refresh(s, missing)
            values.update(read(s, missing))
    return values


def _basins(db: Database, index: SiteIndex) -> np.ndarray:
    """The river system of each site, from its stored screening (computed for those that
    have none yet, as the ranking does)."""
    if index.basin is not None:
        return index.basin
    from hazatlas.geo.network import RiverNetwork

    reaches = _stored_screening(db, index.ids, stored.stored_reaches)
    net = RiverNetwork.load_default()
    systems = net.attributes.get("system") or [""] * len(net)
    index.basin = np.array(
        [(systems[net.index_of(r)] or "") if (r := reaches.get(i)) is not None else ""
         for i in index.ids], dtype=object)
    return index.basin


def _risk_values(db: Database, index: SiteIndex) -> dict[str, np.ndarray]:
    """WRI and THI of each site from its stored screening (NaN where it has none), computing
    the screenings not stored yet, as the ranking does."""
    if index.risk is not None:
        return index.risk
    values = _stored_screening(db, index.ids, stored.stored_indices)
    nan = (np.nan, np.nan)
    pairs = np.array([values.get(i, nan) for i in index.ids], dtype=float).reshape(-1, 2)
    index.risk = {"wri": pairs[:, 0], "thi": pairs[:, 1]}
    return index.risk


@dataclass(frozen=True)
class RiskColours:
    """The class (and value, where readable) of a risk index for the sites of one answer."""

    scale: RiskScale
    labels: np.ndarray  # per site of the index (only the answer's rows are filled)
    values: np.ndarray
    readable: np.ndarray

    @classmethod
    def of(cls, db: Database, index: SiteIndex, principal: Principal, colour: str,
           rows: np.ndarray) -> RiskColours:
        scale = SCALES[colour]
        values = _risk_values(db, index)[colour]
        can_read = np.zeros(len(index), dtype=bool)
        can_read[rows] = readable(principal, [index.ids[i] for i in rows],
                                  index.disclosure[rows], index.country[rows])
        labels = np.empty(len(index), dtype=object)
        labels[rows] = np.where(can_read[rows], scale.classify(values[rows]), WITHHELD)
        return cls(scale, labels, values, can_read)

    def site(self, i: int) -> dict[str, Any]:
        value = self.values[i]
        shown = round(float(value), 2) if self.readable[i] and np.isfinite(value) else None
        return {f"{self.scale.key}_class": self.labels[i], self.scale.key: shown}


def basin_names() -> list[str]:
    """The river systems of the bundled network, sorted (the basin filter's choices)."""
    return basemap.river_systems()


def matching(db: Database, index: SiteIndex, filt: MapFilter, bbox: BBox | None) -> np.ndarray:
    """Boolean mask of the sites of ``index`` that pass ``filt`` and lie in ``bbox``."""
    mask = np.ones(len(index), dtype=bool)
    for name, column in (("country", index.country), ("kind", index.kind),
                         ("tier", index.tier), ("convention", index.convention),
                         ("status", index.status)):
        value = getattr(filt, name)
        if value is not None:
            mask &= column == value
    if filt.basin is not None:
        mask &= np.array([b.casefold() == filt.basin.casefold() for b in _basins(db, index)],
                         dtype=bool)
    if filt.q is not None:
        needle = filt.q.casefold()
        mask &= np.fromiter((needle in t for t in index.folded), dtype=bool, count=len(index))
    if bbox is not None:
        mask &= ((index.lon >= bbox.min_lon) & (index.lon <= bbox.max_lon)
                 & (index.lat >= bbox.min_lat) & (index.lat <= bbox.max_lat))
    return mask


def grid_cells(lon: np.ndarray, lat: np.ndarray, zoom: int, cell_px: int = CELL_PX) -> np.ndarray:
    """The grid cell of each point at ``zoom`` (an int64 key; equal keys share a cell).

    >>> grid_cells(np.array([20.0, 20.001, 30.0]), np.array([45.0, 45.001, 45.0]), 6).tolist()[:2]
    [23351, 23351]
    """
    scale = 256.0 * 2.0 ** zoom
    x = (lon + 180.0) / 360.0 * scale
    phi = np.radians(np.clip(lat, -85.05112878, 85.05112878))
    y = (1.0 - np.log(np.tan(np.pi / 4 + phi / 2)) / np.pi) / 2.0 * scale
    cx = np.floor(x / cell_px).astype(np.int64)
    cy = np.floor(y / cell_px).astype(np.int64)
    return cx * (int(scale // cell_px) + 2) + cy


def _dominant(values: np.ndarray, labels: np.ndarray, n: int,
              choices: tuple[str, ...]) -> list[str]:
    """The most frequent of ``choices`` among each cluster's ``values`` (ties: first choice)."""
    codes = np.zeros(len(values), dtype=np.int64)
    for j, c in enumerate(choices):
        codes[values == c] = j
    counts = np.bincount(labels * len(choices) + codes, minlength=n * len(choices))
    return [choices[j] for j in counts.reshape(n, len(choices)).argmax(axis=1)]


def _site_feature(index: SiteIndex, i: int, risk: RiskColours | None = None) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "id": index.ids[i], "name": index.names[i], "kind": index.kind[i],
        "country_iso3": index.country[i], "status": index.status[i], "seveso_tier": index.tier[i],
        "convention_hazardous_activity": index.convention[i]}
    if risk is not None:
        properties.update(risk.site(i))
    return {"type": "Feature",
            "geometry": {"type": "Point",
                         "coordinates": [round(float(index.lon[i]), 5), round(float(index.lat[i]), 5)]},
            "properties": properties}


def _cluster_features(index: SiteIndex, rows: np.ndarray, zoom: int,
                      risk: RiskColours | None = None) -> list[dict[str, Any]]:
    cells = grid_cells(index.lon[rows], index.lat[rows], zoom)
    _, labels, counts = np.unique(cells, return_inverse=True, return_counts=True)
    n = len(counts)
    lon, lat = index.lon[rows], index.lat[rows]
    mean_lon = np.bincount(labels, weights=lon, minlength=n) / counts
    mean_lat = np.bincount(labels, weights=lat, minlength=n) / counts
    box = np.empty((n, 4))
    box[:, 0:2] = np.inf
    box[:, 2:4] = -np.inf
    np.minimum.at(box[:, 0], labels, lon)
    np.minimum.at(box[:, 1], labels, lat)
    np.maximum.at(box[:, 2], labels, lon)
    np.maximum.at(box[:, 3], labels, lat)
    kinds = _dominant(index.kind[rows], labels, n, KINDS)
    tiers = _dominant(index.tier[rows], labels, n, TIERS)
    conv = _dominant(index.convention[rows], labels, n, CONVENTION)
    top = risk.scale.highest(risk.labels[rows], labels, n) if risk is not None else None
    first = np.full(n, -1, dtype=np.int64)
    first[labels[::-1]] = rows[::-1]  # the first site (in id order) of each cell
    out = []
    for c in range(n):
        if counts[c] == 1:
            out.append(_site_feature(index, int(first[c]), risk))
            continue
        properties: dict[str, Any] = {
            "cluster": True, "count": int(counts[c]), "bbox": [round(float(v), 5) for v in box[c]],
            "kind": kinds[c], "seveso_tier": tiers[c], "convention_hazardous_activity": conv[c]}
        if risk is not None and top is not None:
            properties[f"{risk.scale.key}_class"] = top[c]
        out.append({"type": "Feature",
                    "geometry": {"type": "Point",
                                 "coordinates": [round(float(mean_lon[c]), 5),
                                                 round(float(mean_lat[c]), 5)]},
                    "properties": properties})
    return out


def sites(db: Database, principal: Principal, filt: MapFilter, *, bbox: BBox | None,
          zoom: int, colour: str = "tier") -> dict[str, Any]:
    """The sites matching ``filt`` in ``bbox`` at ``zoom``, as a GeoJSON FeatureCollection of
    clusters and single sites. ``numberMatched`` is how many sites match: the clusters' counts
    plus the single sites add up to it. Coloured by a risk index (``colour`` ``wri`` or
    ``thi``), each feature also has ``wri_class`` (or ``thi_class``) and a site its value
    ``wri`` (``thi``), withheld unless ``principal`` may read the site in full (module doc)."""
    problems = []
    if not 0 <= zoom <= MAX_ZOOM:
        problems.append(Problem("parameter", None, "zoom", f"{zoom} is not between 0 and {MAX_ZOOM}"))
    if colour not in COLOURS:
        problems.append(Problem("parameter", None, "colour",
                                f"'{colour}' is not one of {', '.join(COLOURS)}"))
    problems += filt.unknown(db)
    if problems:
        raise ValidationError(problems)
    index = site_index(db)
    rows = np.flatnonzero(matching(db, index, filt, bbox))
    total = len(rows)
    risk = RiskColours.of(db, index, principal, colour, rows) if colour in SCALES else None
    one_by_one = total <= MAX_SITES or (zoom >= SITES_ZOOM and total <= MAX_SITES_ZOOMED)
    if one_by_one:
        features = [_site_feature(index, int(i), risk) for i in rows]
    else:
        features = _cluster_features(index, rows, zoom, risk)
    return {"type": "FeatureCollection", "numberMatched": total,
            "mode": "sites" if one_by_one else "clusters", "zoom": zoom, "colour": colour,
            "filters": filt.params(), "features": features}


def summary(db: Database) -> dict[str, Any]:
    """What the filter form offers: the countries that have sites, and the full extent."""
    index = site_index(db)
    countries = sorted(set(index.country.tolist()))
    extent = None
    if len(index):
        extent = [float(index.lon.min()), float(index.lat.min()),
                  float(index.lon.max()), float(index.lat.max())]
    return {"total": len(index), "countries": countries, "extent": extent,
            "cell_px": CELL_PX, "sites_zoom": SITES_ZOOM}
