"""Reading hazard layers and sampling them at points: the file side (rasterio, pyogrio).

For a raster layer the GeoTIFF (any format GDAL reads) is opened once and, per point, only the
window of cells that :meth:`hazatlas.geo.hazard_grid.Grid.window_for` asks for is read (the cells
around the site and those within the layer's search radius); nodata cells (the file's nodata
value or mask) become NaN, or 0 when the layer declares ``nodata_is = "zero"``. Polygon layers
(GeoJSON, GeoPackage, Shapefile: any vector file GDAL reads, in its own CRS) are read whole.
The sampling itself is the pure code of ``hazatlas.geo.hazard_grid`` and ``hazard_polygons``.

Points are ``(id, lon, lat)`` in WGS 84; the result is one
:class:`~hazatlas.domain.hazard_layer.LayerSample` per layer and point, in that order.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from hazatlas.domain.errors import Problem, ValidationError
from hazatlas.domain.hazard_layer import HazardLayer, LayerSample
from hazatlas.geo.hazard_grid import CellSample, Grid, Window
from hazatlas.geo.hazard_polygons import PolygonSet

Point = tuple[str, float, float]


def _error(layer: HazardLayer, message: str) -> ValidationError:
    return ValidationError([Problem(layer.path, None, f"layer {layer.id}", message)])


@contextmanager
def _open_raster(layer: HazardLayer, folder: Path) -> Iterator[Any]:
    import rasterio  # type: ignore[import-untyped]

    try:
        ds = rasterio.open(folder / layer.path)
    except rasterio.errors.RasterioIOError as exc:
        raise _error(layer, f"not a readable raster ({exc})") from None
    try:
        if ds.crs is None:
            raise _error(layer, "the raster declares no CRS")
        if not 1 <= layer.band <= ds.count:
            raise _error(layer, f"band {layer.band} requested, the raster has {ds.count}")
        yield ds
    finally:
        ds.close()


def _grid(ds: Any, layer: HazardLayer) -> Grid:
    t = ds.transform
    epsg = ds.crs.to_epsg()  # the EPSG code when the file's CRS is one: pyproj then takes the
    crs = f"EPSG:{epsg}" if epsg else ds.crs.to_wkt()  # same datum transformation as for EPSG
    try:
        return Grid((int(ds.height), int(ds.width)), (t.a, t.b, t.c, t.d, t.e, t.f), crs)
    except ValueError as exc:
        raise _error(layer, str(exc)) from None


def _window(ds: Any, layer: HazardLayer, bounds: tuple[int, int, int, int]) -> Window:
    from rasterio.windows import Window as RioWindow  # type: ignore[import-untyped]

    row0, row1, col0, col1 = bounds
    data = ds.read(layer.band, window=RioWindow(col0, row0, col1 - col0, row1 - row0), masked=True)
    values = np.ma.filled(data.astype(float), np.nan)
    if layer.nodata_is == "zero":
        values = np.where(np.isnan(values), 0.0, values)
    return Window(values, row0, col0)


def _sample(
    layer: HazardLayer, point_id: str, cell: CellSample, dist: float | None, method: str
) -> LayerSample:
    note = cell.note
    if cell.value is not None and layer.nodata_is == "zero" and method != "polygon":
        note = (note + "; " if note else "") + "nodata cells read as 0 (declared by the layer)"
    return LayerSample(layer.id, point_id, cell.value, layer.unit, cell.status, method, dist, note)


def _sample_raster(layer: HazardLayer, folder: Path, points: Sequence[Point]) -> list[LayerSample]:
    out = []
    with _open_raster(layer, folder) as ds:
        grid = _grid(ds, layer)
        for pid, lon, lat in points:
            bounds = grid.window_for(lon, lat, layer.search_radius_m)
            if bounds is None:
                cell = CellSample(None, "outside", "the site lies outside the raster")
                out.append(_sample(layer, pid, cell, None, layer.sampling))
                continue
            window = _window(ds, layer, bounds)
            x, y = grid.project(lon, lat)
            cell = grid.sample(window, x=x, y=y, method=layer.sampling)
            dist = grid.nearest_hazard_m(
                window,
                lon=lon,
                lat=lat,
                threshold=layer.hazardous_above,
                radius_m=layer.search_radius_m,
            )
            out.append(_sample(layer, pid, cell, dist, layer.sampling))
    return out


def read_polygons(layer: HazardLayer, folder: Path) -> PolygonSet:
    """The polygons of a polygon layer with their values (``value_field`` or ``value``)."""
    import pyogrio  # type: ignore[import-untyped]
    import shapely  # type: ignore[import-untyped]

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            meta, _fids, geometry, field_data = pyogrio.raw.read(folder / layer.path)
    except Exception as exc:  # GDAL raises many types for a broken or missing file
        raise _error(layer, f"not a readable vector file ({exc})") from None
    crs = meta.get("crs") or "EPSG:4326"
    fields = [str(f) for f in meta["fields"]]
    if layer.value_field is not None and layer.value_field not in fields:
        raise _error(layer, f"no field {layer.value_field!r} (fields: {', '.join(fields)})")
    geoms, values, problems = [], [], []
    for i, wkb in enumerate(geometry if geometry is not None else []):
        g = shapely.from_wkb(wkb) if wkb is not None else None
        if g is None or g.is_empty or g.geom_type not in ("Polygon", "MultiPolygon"):
            problems.append(Problem(layer.path, i + 1, "geometry", "expected a polygon"))
            continue
        if layer.value_field is not None:
            raw = field_data[fields.index(layer.value_field)][i]
            try:
                v = float(raw)
            except (TypeError, ValueError):
                v = math.nan
            if not math.isfinite(v):
                problems.append(
                    Problem(layer.path, i + 1, layer.value_field, f"{raw!r}: expected a number")
                )
                continue
        else:
            v = float(layer.value if layer.value is not None else math.nan)
        geoms.append(g)
        values.append(v)
    if problems:
        raise ValidationError(problems)
    return PolygonSet(tuple(geoms), tuple(values), str(crs))


def _sample_polygons(
    layer: HazardLayer, folder: Path, points: Sequence[Point]
) -> list[LayerSample]:
    polys = read_polygons(layer, folder)
    out = []
    for pid, lon, lat in points:
        cell = polys.sample(lon, lat, nodata_is=layer.nodata_is)
        dist = polys.nearest_m(lon, lat, radius_m=layer.search_radius_m)
        out.append(_sample(layer, pid, cell, dist, "polygon"))
    return out


def sample_layers(
    layers: Sequence[HazardLayer], folder: Path, points: Sequence[Point]
) -> list[LayerSample]:
    """One sample per layer and point (layers in order, then points in order)."""
    out: list[LayerSample] = []
    for layer in layers:
        if layer.kind == "raster":
            out += _sample_raster(layer, folder, points)
        else:
            out += _sample_polygons(layer, folder, points)
    return out


def write_lonlat_grid(path: Path, grid: np.ndarray, west: float, north: float, cell_deg: float,
                      nodata: float = -9999.0) -> None:
    """Write ``grid`` (rows from ``north`` down, ``cell_deg`` cells, WGS 84) as a one-band
    float32 GeoTIFF with DEFLATE compression (the demo layer set, docs/natech.md)."""
    import rasterio
    from affine import Affine  # type: ignore[import-untyped]

    rows, cols = grid.shape
    with rasterio.open(path, "w", driver="GTiff", height=rows, width=cols, count=1,
                       dtype="float32", crs="EPSG:4326", nodata=nodata, compress="deflate",
                       transform=Affine(cell_deg, 0.0, west, 0.0, -cell_deg, north)) as ds:
        ds.write(grid.astype("float32"), 1)
