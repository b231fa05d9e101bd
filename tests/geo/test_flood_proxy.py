"""The demo flood proxy: the band's depth on a grid built in the test, the Gumbel frequency
factor, and the layer set written from the bundled rivers (files, manifest, sampling, CLI)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import rasterio
from typer.testing import CliRunner

from hazatlas.cli.main import app as cli
from hazatlas.domain.errors import ValidationError
from hazatlas.formats.hazard_layers import read_manifest
from hazatlas.formats.hazard_rasters import sample_layers
from hazatlas.geo.flood_proxy import (
    M_PER_DEG_LAT,
    band_depth,
    flood_discharge,
    gumbel_frequency_factor,
)
from hazatlas.services.natech_demo import SOURCE, write_demo_layers


def test_gumbel_frequency_factor():
    for t in (2.0, 10.0, 100.0, 500.0):
        expected = -math.sqrt(6) / math.pi * (0.5772156649 + math.log(math.log(t / (t - 1))))
        assert gumbel_frequency_factor(t) == pytest.approx(expected, rel=1e-12)
    # the mean of the annual maxima has the return period 2.33 years (K_T = 0)
    assert gumbel_frequency_factor(2.3275) == pytest.approx(0.0, abs=1e-3)
    assert flood_discharge(np.array([100.0]), 100.0, 0.5)[0] == pytest.approx(
        100.0 * (1 + 0.5 * gumbel_frequency_factor(100.0)))
    with pytest.raises(ValueError, match="expected a number of years > 1"):
        gumbel_frequency_factor(1.0)


def test_band_depth_on_a_grid():
    """A river along the equator (lat 0), 2 m deep at the line, band 5 km: a cell centre at
    lat -x has x * 111 320 m to the line, and the depth 2 (1 - x / 5000)."""
    line = np.array([[10.0, 0.0], [10.5, 0.0]])
    cell = 0.01
    grid = band_depth([line], np.array([2.0]), np.array([5000.0]), 10.0, 0.1, cell, (20, 50))
    for row in range(20):
        lat = 0.1 - (row + 0.5) * cell
        x = abs(lat) * M_PER_DEG_LAT
        expected = 2.0 * (1 - x / 5000.0) if x < 5000.0 else 0.0
        assert grid[row, 25] == pytest.approx(expected, abs=1e-9), row
    assert grid[9, 25] > 0 and grid[15, 25] == 0.0  # 555 m: wet; 6.1 km: dry
    # a second, deeper river overlapping: the highest depth wins
    other = np.array([[10.2, 0.02], [10.3, 0.02]])
    both = band_depth([line, other], np.array([2.0, 3.0]), np.array([5000.0, 5000.0]),
                      10.0, 0.1, cell, (20, 50))
    assert (both >= grid).all() and both[7, 25] > grid[7, 25]
    assert (both[:, :10] == grid[:, :10]).all()  # beyond the second band: unchanged


@pytest.fixture(scope="module")
def demo_layers(tmp_path_factory):
    folder = tmp_path_factory.mktemp("layers")
    doc = write_demo_layers(folder, bbox=(20.5, 44.7, 20.9, 45.0), cell_deg=0.01,
                            return_periods=(100.0, 10.0))
    return folder, doc


def test_demo_layers_written_and_sampled(demo_layers):
    folder, doc = demo_layers
    assert doc["proxy"] is True
    assert [la["return_period_years"] for la in doc["layers"]] == [10.0, 100.0]
    layers = read_manifest(folder / "layers.toml")
    assert [la.id for la in layers] == ["demo-flood-proxy-rp10", "demo-flood-proxy-rp100"]
    for layer in layers:
        assert layer.source == SOURCE and "PROXY, not a flood map" in layer.source
        assert (layer.hazard, layer.intensity_measure, layer.unit) == ("flood", "depth", "m")
        with rasterio.open(folder / layer.path) as ds:
            assert ds.crs.to_epsg() == 4326 and ds.shape == (30, 40)
            assert ds.transform.a == pytest.approx(0.01) and ds.transform.c == pytest.approx(20.5)
            grid = ds.read(1)
        assert (grid >= 0).all() and grid.max() > 0 and (grid == 0).any()
    # Pančevo on the Danube is in the band; deeper at 100 than at 10 years; Vršac's hills
    # (21.3, 45.1) are off the raster and said so
    samples = sample_layers(layers, folder, [("PAN", 20.682, 44.828), ("FAR", 21.3, 45.1)])
    pan10, far10, pan100, _ = samples
    assert pan10.status == "ok" and 0 < pan10.value < pan100.value
    assert far10.status == "outside" and far10.value is None


def test_demo_layers_errors(tmp_path):
    with pytest.raises(ValidationError) as err:
        write_demo_layers(tmp_path, bbox=(21.0, 45.0, 20.0, 44.0), cell_deg=0.0,
                          return_periods=(1.0,))
    text = str(err.value)
    assert "bbox" in text and "cell_deg" in text and "return_periods" in text


def test_cli_demo_layers(tmp_path):
    runner = CliRunner()
    done = runner.invoke(cli, ["natech", "demo-layers", str(tmp_path / "out"), "--bbox",
                               "20.5,44.7,20.9,45.0", "--return-period", "100", "--json"],
                         prog_name="hazatlas")
    assert done.exit_code == 0, done.output
    doc = json.loads(done.output)
    assert [la["id"] for la in doc["layers"]] == ["demo-flood-proxy-rp100"]
    assert (tmp_path / "out" / "demo-flood-proxy-rp100.tif").exists()
    done = runner.invoke(cli, ["natech", "demo-layers", str(tmp_path / "x"), "--bbox", "1,2"],
                         prog_name="hazatlas")
    assert done.exit_code != 0 and "--bbox: expected 4 numbers" in done.output
