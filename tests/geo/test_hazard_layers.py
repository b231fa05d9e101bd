"""Hazard layers: small rasters and polygon files built in the test (several CRSs, nodata),
sampled exactly; the layer manifest and its errors."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pyproj
import pytest
import rasterio
import shapely
from affine import Affine

from hazatlas.domain.errors import ValidationError
from hazatlas.domain.hazard_layer import HazardLayer
from hazatlas.formats.hazard_layers import parse_manifest, read_manifest
from hazatlas.formats.hazard_rasters import sample_layers
from hazatlas.geo.hazard_grid import Grid

GEOD = pyproj.Geod(ellps="WGS84")
NODATA = -9999.0


def _raster(
    path: Path,
    values: np.ndarray,
    crs: str,
    x0: float,
    y0: float,
    cell: float,
    nodata: float | None = NODATA,
) -> Path:
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        height=values.shape[0],
        width=values.shape[1],
        count=1,
        dtype="float64",
        crs=crs,
        transform=Affine(cell, 0.0, x0, 0.0, -cell, y0),
        nodata=nodata,
    ) as ds:
        ds.write(values.astype("float64"), 1)
    return path


def _layer(path: Path, **kw: object) -> HazardLayer:
    base: dict[str, object] = dict(
        id=path.stem,
        kind="raster",
        path=path.name,
        hazard="flood",
        intensity_measure="depth",
        unit="m",
        return_period_years=100.0,
        scenario="baseline",
        horizon="baseline",
        source="built in the test",
        licence="CC0",
    )
    base.update(kw)
    return HazardLayer(**base)  # type: ignore[arg-type]


def _lonlat(crs: str, x: float, y: float) -> tuple[float, float]:
    t = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    lon, lat = t.transform(x, y)
    return float(lon), float(lat)


def _pixel(
    lon: float,
    lat: float,
    crs: str = "EPSG:3035",
    x0: float = 0.0,
    y0: float = 0.0,
    cell: float = 0.0,
) -> tuple[float, float]:
    """(col, row) of a site, projected forward as the sampler does (the inverse projection that
    made the site from a pixel position is only good to about a millimetre)."""
    x0, y0, cell = (x0, y0, cell) if cell else (X0, Y0, CELL)
    x, y = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(lon, lat)
    return (x - x0) / cell, (y0 - y) / cell


def _bilinear_linear(col: float, row: float) -> float:
    """Bilinear interpolation of v = 10 i + j between cell centres: 10 (row - 0.5) + col - 0.5."""
    return 10.0 * (row - 0.5) + (col - 0.5)


def _linear(rows: int, cols: int) -> np.ndarray:
    """v[i, j] = 10 i + j: bilinear interpolation of it is exact (10 (row - 0.5) + col - 0.5)."""
    return 10.0 * np.arange(rows)[:, None] + np.arange(cols)[None, :]


# EPSG:3035 (LAEA Europe), 100 m cells, top-left corner at (5 000 000, 2 500 000)
X0, Y0, CELL = 5_000_000.0, 2_500_000.0, 100.0


def _site(col: float, row: float, crs: str = "EPSG:3035") -> tuple[float, float]:
    return _lonlat(crs, X0 + col * CELL, Y0 - row * CELL)


@pytest.fixture
def laea(tmp_path: Path) -> Path:
    return _raster(tmp_path / "laea.tif", _linear(6, 8), "EPSG:3035", X0, Y0, CELL)


def test_nearest_and_bilinear_in_a_projected_crs(laea: Path, tmp_path: Path) -> None:
    lon, lat = _site(1.75, 2.75)  # pixel (col 1.75, row 2.75): cell (2, 1)
    near = sample_layers([_layer(laea, sampling="nearest")], tmp_path, [("s", lon, lat)])[0]
    bil = sample_layers([_layer(laea, sampling="bilinear")], tmp_path, [("s", lon, lat)])[0]
    assert near.value == 21.0 and near.status == "ok" and near.method == "nearest"
    assert bil.value == pytest.approx(_bilinear_linear(*_pixel(lon, lat)), abs=1e-9)
    assert bil.value == pytest.approx(10 * 2.25 + 1.25, abs=1e-4) and bil.status == "ok"
    assert near.unit == "m" and near.layer_id == "laea"


def test_nodata_is_said_and_left_out(tmp_path: Path) -> None:
    v = _linear(6, 8)
    v[3, 1] = NODATA
    path = _raster(tmp_path / "holes.tif", v, "EPSG:3035", X0, Y0, CELL)
    site = _site(1.25, 2.75)  # fx 0.75, fy 2.25: neighbours (2,0) (2,1) (3,0) (3,1)
    hole = _site(1.5, 3.5)  # the centre of the nodata cell (3, 1)
    layers = [
        _layer(path, sampling="nearest"),
        _layer(path, id="b", sampling="bilinear"),
        _layer(path, id="z", sampling="nearest", nodata_is="zero"),
    ]
    near, near_hole, bil, bil_hole, zero, zero_hole = sample_layers(
        layers, tmp_path, [("s", *site), ("h", *hole)]
    )
    assert near.value == 21.0 and near.status == "ok"
    assert near_hole.value is None and near_hole.status == "nodata" and "nodata" in near_hole.note
    # weights (1-tx)(1-ty), tx(1-ty), (1-tx)ty and tx ty (the nodata cell (3, 1), left out),
    # tx = 0.75 and ty = 0.25 up to the projection's round trip
    col, row = _pixel(*site)
    tx, ty = col - 0.5 - 0, row - 0.5 - 2
    w = [(1 - tx) * (1 - ty), tx * (1 - ty), (1 - tx) * ty]
    expected = (w[0] * 20 + w[1] * 21 + w[2] * 30) / sum(w)
    assert bil.value == pytest.approx(expected, abs=1e-9)
    assert expected == pytest.approx((0.1875 * 20 + 0.5625 * 21 + 0.0625 * 30) / 0.8125, abs=1e-4)
    assert bil.status == "partial" and "1 of the cells" in bil.note
    assert bil_hole.value is None and bil_hole.status == "nodata"
    assert zero.value == 21.0 and zero_hole.value == 0.0 and "read as 0" in zero_hole.note


def test_outside_the_raster(laea: Path, tmp_path: Path) -> None:
    far = _site(-50.0, 3.0)
    edge = _site(-0.01, 3.5)
    s_far, s_edge = sample_layers(
        [_layer(laea, search_radius_m=100.0)], tmp_path, [("far", *far), ("edge", *edge)]
    )
    assert s_far.value is None and s_far.status == "outside" and s_far.distance_to_hazard_m is None
    assert s_edge.value is None and s_edge.status == "outside"
    # 1 m outside the left edge, the nearest hazardous cell is (3, 0) (value 30): its centre is
    # 51 m away on the grid (LAEA keeps distances to within its scale error there)
    assert s_edge.distance_to_hazard_m == pytest.approx(51.0, abs=0.1)


def test_bilinear_at_the_edge_is_partial(laea: Path, tmp_path: Path) -> None:
    lon, lat = _site(0.25, 3.5)  # half a cell from the left edge: the left neighbours are off
    s = sample_layers([_layer(laea, sampling="bilinear")], tmp_path, [("s", lon, lat)])[0]
    assert s.status == "partial" and "beyond the raster edge" in s.note
    col, row = _pixel(lon, lat)
    assert s.value == pytest.approx(10 * (row - 0.5), abs=1e-9)  # only column 0 remains
    assert s.value == pytest.approx(30.0, abs=1e-4)


def test_geographic_raster_and_distance_to_the_wet_cell(tmp_path: Path) -> None:
    v = np.full((20, 20), NODATA)
    v[5, 12] = 1.5  # one wet cell; nodata (dry) elsewhere
    path = _raster(tmp_path / "geo.tif", v, "EPSG:4326", 20.0, 45.0, 0.01)
    centre = (20.0 + 12.5 * 0.01, 45.0 - 5.5 * 0.01)
    site = (20.0 + 3.2 * 0.01, 45.0 - 8.7 * 0.01)
    inside = (20.0 + 12.9 * 0.01, 45.0 - 5.1 * 0.01)
    layer = _layer(path, sampling="nearest", search_radius_m=20_000.0)
    s, s_in = sample_layers([layer], tmp_path, [("s", *site), ("in", *inside)])
    _, _, expected = GEOD.inv(site[0], site[1], centre[0], centre[1])
    assert s.value is None and s.status == "nodata"
    assert s.distance_to_hazard_m == pytest.approx(expected, abs=1e-6)
    assert s_in.value == 1.5 and s_in.distance_to_hazard_m == 0.0
    small = sample_layers([_layer(path, search_radius_m=expected - 1.0)], tmp_path, [("s", *site)])
    assert small[0].distance_to_hazard_m is None


def test_hazard_threshold(tmp_path: Path) -> None:
    v = np.zeros((10, 10))
    v[2, 2], v[7, 7] = 0.3, 1.2
    path = _raster(tmp_path / "thr.tif", v, "EPSG:32634", 500_000.0, 5_000_000.0, 50.0)
    lon, lat = _lonlat("EPSG:32634", 500_000.0 + 2.5 * 50, 5_000_000.0 - 2.5 * 50)
    low, high = sample_layers(
        [_layer(path, hazardous_above=0.0), _layer(path, id="h", hazardous_above=0.5)],
        tmp_path,
        [("s", lon, lat)],
    )
    assert low.value == 0.3 and low.distance_to_hazard_m == 0.0
    clon, clat = _lonlat("EPSG:32634", 500_000.0 + 7.5 * 50, 5_000_000.0 - 7.5 * 50)
    _, _, d = GEOD.inv(lon, lat, clon, clat)
    assert high.distance_to_hazard_m == pytest.approx(d, abs=1e-6)
    assert d == pytest.approx(math.hypot(250.0, 250.0), rel=1e-3)  # UTM scale near the meridian


def test_utm_bilinear_and_float_nan_nodata(tmp_path: Path) -> None:
    v = _linear(5, 5)
    v[0, 0] = np.nan
    path = _raster(
        tmp_path / "utm.tif", v, "EPSG:32634", 400_000.0, 4_900_000.0, 30.0, nodata=float("nan")
    )
    lon, lat = _lonlat("EPSG:32634", 400_000.0 + 2.5 * 30, 4_900_000.0 - 3.0 * 30)
    nan_site = _lonlat("EPSG:32634", 400_000.0 + 0.5 * 30, 4_900_000.0 - 0.5 * 30)
    s, n = sample_layers(
        [_layer(path, sampling="bilinear")], tmp_path, [("s", lon, lat), ("n", *nan_site)]
    )
    col, row = _pixel(lon, lat, "EPSG:32634", 400_000.0, 4_900_000.0, 30.0)
    assert s.value == pytest.approx(_bilinear_linear(col, row), abs=1e-9) and s.status == "ok"
    assert s.value == pytest.approx(10 * 2.5 + 2.0, abs=1e-4)
    assert n.value is None and n.status == "nodata"


def test_windows_are_small() -> None:
    g = Grid((100_000, 100_000), (100.0, 0.0, X0, 0.0, -100.0, Y0), "EPSG:3035")
    lon, lat = _site(50_000.5, 40_000.5)
    r0, r1, c0, c1 = g.window_for(lon, lat, radius_m=1_000.0) or (0, 0, 0, 0)
    assert (r1 - r0, c1 - c0) == (23, 23)  # 10 cells each side, the site's cell, one spare
    assert r0 <= 40_000 < r1 and c0 <= 50_000 < c1


# -- polygons ------------------------------------------------------------------------------


def test_polygons_geojson_and_gpkg_in_another_crs(tmp_path: Path) -> None:
    import pyogrio

    zone = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"depth": 1.5},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[20, 44], [20.1, 44], [20.1, 44.1], [20, 44.1], [20, 44]]],
                },
            },
            {
                "type": "Feature",
                "properties": {"depth": 3.0},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [
                        [[20.05, 44], [20.2, 44], [20.2, 44.1], [20.05, 44.1], [20.05, 44]]
                    ],
                },
            },
        ],
    }
    (tmp_path / "zones.geojson").write_text(json.dumps(zone), encoding="utf-8")
    square = shapely.box(X0, Y0 - 1000.0, X0 + 1000.0, Y0)
    pyogrio.raw.write(
        tmp_path / "laea.gpkg",
        geometry=np.array([shapely.to_wkb(square)]),
        field_data=[np.array([2.0])],
        fields=["pga"],
        geometry_type="Polygon",
        crs="EPSG:3035",
    )
    gj = _layer(
        tmp_path / "zones.geojson",
        kind="polygons",
        value_field="depth",
        sampling="polygon",
        search_radius_m=20_000.0,
    )
    gp = _layer(
        tmp_path / "laea.gpkg",
        kind="polygons",
        value=1.0,
        sampling="polygon",
        hazard="earthquake",
        nodata_is="zero",
    )
    one, both, away = sample_layers(
        [gj], tmp_path, [("one", 20.02, 44.05), ("both", 20.07, 44.05), ("away", 20.3, 44.05)]
    )
    assert one.value == 1.5 and one.distance_to_hazard_m == 0.0
    assert both.value == 3.0 and "2 polygons overlap" in both.note
    _, _, d = GEOD.inv(20.3, 44.05, 20.2, 44.05)
    assert away.value is None and away.status == "outside"
    assert away.distance_to_hazard_m == pytest.approx(d, rel=1e-4)
    inside, outside = sample_layers(
        [gp], tmp_path, [("in", *_site(5.0, 5.0)), ("out", *_site(15.0, 5.0))]
    )
    assert inside.value == 1.0
    assert outside.value == 0.0 and "0 as the layer declares" in outside.note
    assert outside.distance_to_hazard_m == pytest.approx(500.0, abs=0.5)


# -- manifest ------------------------------------------------------------------------------

GOOD = """
[[layer]]
id = "rp100"
kind = "raster"
path = "laea.tif"
hazard = "flood"
intensity_measure = "depth"
unit = "m"
return_period_years = 100
scenario = "baseline"
source = "built in the test"
licence = "CC0"
sampling = "bilinear"

[[layer]]
id = "rp100-rcp85-2050"
kind = "raster"
path = "laea.tif"
hazard = "flood"
intensity_measure = "depth"
unit = "m"
return_period_years = 100
scenario = "RCP8.5"
horizon = 2050
source = "built in the test"
licence = "CC0"
user_supplied = true
"""


def test_manifest_reads_and_samples(laea: Path, tmp_path: Path) -> None:
    (tmp_path / "layers.toml").write_text(GOOD, encoding="utf-8")
    layers = read_manifest(tmp_path / "layers.toml")
    assert [x.label for x in layers] == [
        "flood depth (m), RP 100 y, baseline",
        "flood depth (m), RP 100 y, RCP8.5 2050",
    ]
    assert (
        layers[1].horizon == "2050" and layers[1].user_supplied and layers[1].sampling == "nearest"
    )
    site = _site(1.75, 2.75)
    s = sample_layers(layers, tmp_path, [("s", *site)])
    assert [x.value for x in s] == [pytest.approx(_bilinear_linear(*_pixel(*site)), abs=1e-9), 21.0]


def test_manifest_errors_name_layer_and_key(tmp_path: Path) -> None:
    bad = (
        GOOD.replace('scenario = "baseline"', 'scenario = "RCP9"')
        .replace("horizon = 2050", 'horizon = "soon"')
        .replace(
            'unit = "m"\nreturn_period_years = 100\nscenario = "RCP8.5"',
            'unit = ""\nreturn_period_years = -5\nscenario = "RCP8.5"',
        )
        .replace('sampling = "bilinear"', 'sampling = "cubic"\ncolour = 1')
    )
    with pytest.raises(ValidationError) as e:
        parse_manifest(bad, "layers.toml", folder=tmp_path)
    found = {(p.source, p.field) for p in e.value.problems}
    assert found == {
        ("layers.toml", "layer 1 (rp100): scenario"),
        ("layers.toml", "layer 1 (rp100): horizon"),  # no year for the (bad) projection
        ("layers.toml", "layer 1 (rp100): sampling"),
        ("layers.toml", "layer 1 (rp100): colour"),
        ("layers.toml", "layer 1 (rp100): path"),
        ("layers.toml", "layer 2 (rp100-rcp85-2050): unit"),
        ("layers.toml", "layer 2 (rp100-rcp85-2050): horizon"),
        ("layers.toml", "layer 2 (rp100-rcp85-2050): return_period_years"),
        ("layers.toml", "layer 2 (rp100-rcp85-2050): path"),
    }


def test_manifest_other_errors(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="not readable TOML"):
        parse_manifest("[[layer]\n", "x.toml", check_files=False)
    with pytest.raises(ValidationError, match="no \\[\\[layer\\]\\] tables"):
        parse_manifest("title = 'x'\n", "x.toml", check_files=False)
    twice = GOOD.replace('id = "rp100-rcp85-2050"', 'id = "rp100"')
    with pytest.raises(ValidationError, match="repeated id"):
        parse_manifest(twice, "x.toml", check_files=False)
    baseline_year = GOOD.replace('scenario = "baseline"', 'scenario = "baseline"\nhorizon = 2050')
    with pytest.raises(ValidationError, match="horizon 'baseline'"):
        parse_manifest(baseline_year, "x.toml", check_files=False)
    poly = GOOD.replace(
        'kind = "raster"\npath = "laea.tif"', 'kind = "polygons"\npath = "z.geojson"', 1
    )
    with pytest.raises(ValidationError, match="exactly one of value_field or value"):
        parse_manifest(poly, "x.toml", check_files=False)


def test_unreadable_raster_is_named(tmp_path: Path) -> None:
    (tmp_path / "broken.tif").write_bytes(b"not a tiff")
    with pytest.raises(ValidationError) as e:
        sample_layers([_layer(tmp_path / "broken.tif")], tmp_path, [("s", 20.0, 45.0)])
    assert e.value.problems[0].source == "broken.tif"
    assert "not a readable raster" in e.value.problems[0].message
