"""One GeoTIFF from several raster tiles on the same grid, cut to a lon/lat box.

Used by ``hazatlas natech fetch`` for tiled datasets (CEMS-GloFAS 10° tiles): the tiles of one
return period become one layer, so a site near a tile edge is sampled from one file. The merge
is rasterio's (``rasterio.merge.merge``, nearest, first tile wins where they overlap), written
in chunks to ``<name>.part`` and renamed when complete. The box is in the tiles' CRS (WGS 84
for the datasets fetched).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from pathlib import Path

from hazatlas.domain.errors import Problem, ValidationError


def mosaic(tiles: Sequence[Path], bbox: Sequence[float], out: Path) -> dict[str, object]:
    """Merge ``tiles`` inside ``bbox`` (west, south, east, north) into ``out`` (DEFLATE)."""
    import rasterio  # type: ignore[import-untyped]
    from rasterio.merge import merge  # type: ignore[import-untyped]

    sources = []
    try:
        for path in tiles:
            try:
                sources.append(rasterio.open(path))
            except rasterio.errors.RasterioIOError as exc:
                raise ValidationError([Problem(path.name, None, "", f"not a readable raster "
                                               f"({exc})")]) from None
        west, south, east, north = (float(v) for v in bbox)
        part = out.with_name(out.name + ".part")
        with warnings.catch_warnings():  # rasterio 1.4's merge multiplies Affines with `*`
            warnings.simplefilter("ignore", PendingDeprecationWarning)
            merge(sources, bounds=(west, south, east, north), dst_path=part,
                  dst_kwds={"driver": "GTiff", "compress": "deflate", "tiled": True,
                            "blockxsize": 256, "blockysize": 256})
    finally:
        for ds in sources:
            ds.close()
    os.replace(part, out)
    with rasterio.open(out) as ds:
        return {"path": str(out), "width": ds.width, "height": ds.height,
                "bounds": list(ds.bounds), "crs": str(ds.crs), "tiles": len(tiles)}


def check_raster(path: Path) -> dict[str, object]:
    """The CRS, size and bounds of a raster file; a ValidationError naming the file when GDAL
    cannot read it, it declares no CRS, or its first or last cell cannot be read (a server's
    error page saved as .tif, a file cut short by a server that announced no size)."""
    import rasterio

    try:
        with rasterio.open(path) as ds:
            if ds.crs is None:
                raise ValidationError([Problem(path.name, None, "", "the raster declares no CRS")])
            ds.read(1, window=((0, 1), (0, 1)))  # the first and the last cell: a file cut
            ds.read(1, window=((ds.height - 1, ds.height), (ds.width - 1, ds.width)))  # short
            return {"crs": str(ds.crs), "width": ds.width, "height": ds.height,
                    "bounds": list(ds.bounds)}
    except rasterio.errors.RasterioError as exc:
        raise ValidationError([Problem(path.name, None, "", f"not a readable raster ({exc})")]
                              ) from None
