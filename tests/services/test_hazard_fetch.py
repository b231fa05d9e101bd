"""``hazatlas natech fetch`` against a real HTTP server on loopback (http.server in a thread)
serving small GeoTIFFs written here in each dataset's layout: the manifest written and read,
values sampled exactly, a tiled dataset cut to the box, resume after an interruption, retries
after a truncated body, a 404, a bad checksum, an unreachable server, the refusals, and a
fetched manifest that ``natech screen`` uses at once."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import rasterio
from affine import Affine
from typer.testing import CliRunner

from hazatlas.cli.main import app as cli
from hazatlas.domain.access import SYSTEM
from hazatlas.domain.errors import HazatlasError, ValidationError
from hazatlas.formats.hazard_catalogue import load_catalogue, parse_catalogue
from hazatlas.formats.hazard_layers import read_manifest
from hazatlas.formats.hazard_rasters import sample_layers
from hazatlas.formats.manifest_update import merge_entries, update_manifest
from hazatlas.formats.register_columns import COLUMNS
from hazatlas.services import hazard_fetch, natech
from hazatlas.services.hazard_download import FetchError, download
from hazatlas.services.register import RegisterService

FAST = {"retry_delay_s": 0.0, "timeout_s": 10.0}


class _Handler(BaseHTTPRequestHandler):
    """Serves files under the server's root, honours ``Range``, and can cut a body short."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        state = self.server.state  # type: ignore[attr-defined]
        state["requests"].append((self.path, self.headers.get("Range")))
        path = state["root"] / self.path.lstrip("/")
        if not path.is_file():
            self.send_error(404, "Not Found")
            return
        data = path.read_bytes()
        start, wanted = 0, self.headers.get("Range")
        if wanted and not state["ignore_range"]:
            start = int(wanted.split("=")[1].split("-")[0])
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if state["truncate"].get(self.path, 0) > 0:
            state["truncate"][self.path] -= 1
            self.wfile.write(body[: len(body) // 2])
            self.close_connection = True
            return
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server(tmp_path: Path) -> Iterator[dict[str, Any]]:
    root = tmp_path / "www"
    root.mkdir()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    state: dict[str, Any] = {"root": root, "requests": [], "truncate": {},
                             "ignore_range": False,
                             "url": f"http://127.0.0.1:{httpd.server_address[1]}"}
    httpd.state = state  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield state
    httpd.shutdown()
    httpd.server_close()


def _tif(path: Path, values: np.ndarray, west: float, north: float, cell: float = 0.5) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    rows, cols = values.shape
    with rasterio.open(path, "w", driver="GTiff", height=rows, width=cols, count=1,
                       dtype="float32", crs="EPSG:4326", nodata=-9999.0,
                       transform=Affine(cell, 0.0, west, 0.0, -cell, north)) as ds:
        ds.write(values.astype("float32"), 1)


def _jrc(root: Path, rps: dict[int, float]) -> None:
    """JRC Europe layout: one file per return period, a constant depth over lon 20-22,
    lat 44-46, nodata (dry) in the top-left cell."""
    for rp, depth in rps.items():
        grid = np.full((4, 4), depth)
        grid[0, 0] = -9999.0
        _tif(root / "jrc" / f"Europe_RP{rp}_filled_depth.tif", grid, 20.0, 46.0)


def _sample(manifest: Path, points: list[tuple[str, float, float]]) -> dict[tuple[str, str], Any]:
    layers = read_manifest(manifest)
    return {(s.layer_id, s.point_id): s for s in sample_layers(layers, manifest.parent, points)}


def test_the_packaged_catalogue_names_a_source_and_status_for_every_fact():
    cat = load_catalogue()
    assert set(cat) == {"jrc-europe-flood", "glofas-flood", "wri-aqueduct-riverine",
                        "eshm20-pga", "gem-gshm"}
    for ds in cat.values():
        assert set(ds.status) <= set(ds.sources)
        assert {"address", "return_periods", "unit", "licence"} <= set(ds.status)
    assert cat["gem-gshm"].licence_acceptance == "refuse"
    assert cat["eshm20-pga"].base_url == "" and cat["eshm20-pga"].status["address"] == \
        "unconfirmed"


def test_a_bad_catalogue_is_reported_whole_by_dataset_and_key():
    text = ('[[dataset]]\nid = "x"\nhazard = "meteor"\nreturn_periods = [1]\n'
            'coverage = [10, 0, 5, 1]\n')
    with pytest.raises(ValidationError) as err:
        parse_catalogue(text, "cat.toml")
    fields = {p.field for p in err.value.problems}
    assert {"dataset 1 (x): hazard", "dataset 1 (x): return_periods",
            "dataset 1 (x): coverage", "dataset 1 (x): scenario",
            "dataset 1 (x): sources"} <= fields


def test_jrc_fetch_writes_the_files_and_a_manifest_that_samples(server, tmp_path):
    _jrc(server["root"], {10: 0.5, 100: 2.0})
    dest = tmp_path / "layers"
    sel = hazard_fetch.select("jrc-europe-flood", return_periods=[10, 100],
                              base_url=server["url"] + "/jrc")
    doc = hazard_fetch.fetch(sel, dest, **FAST)
    assert doc["layers"] == ["jrc-europe-flood-rp10", "jrc-europe-flood-rp100"]
    assert not list(dest.rglob("*.part"))
    layers = {layer.id: layer for layer in read_manifest(dest / "layers.toml")}
    rp100 = layers["jrc-europe-flood-rp100"]
    assert (rp100.hazard, rp100.intensity_measure, rp100.unit, rp100.return_period_years,
            rp100.scenario, rp100.nodata_is) == ("flood", "depth", "m", 100.0, "baseline", "zero")
    assert "CC BY 4.0" in rp100.licence and "Joint Research Centre" in rp100.licence
    assert server["url"] + "/jrc/Europe_RP100_filled_depth.tif" in rp100.source
    got = _sample(dest / "layers.toml", [("wet", 21.6, 44.6), ("dry", 20.1, 45.9)])
    assert got[("jrc-europe-flood-rp100", "wet")].value == pytest.approx(2.0)
    assert got[("jrc-europe-flood-rp10", "wet")].value == pytest.approx(0.5)
    assert got[("jrc-europe-flood-rp100", "dry")].value == 0.0  # nodata read as dry
    # a second run finds the files complete and asks the server for nothing
    before = len(server["requests"])
    again = hazard_fetch.fetch(sel, dest, **FAST)
    assert {f["status"] for f in again["files"]} == {"present"}
    assert len(server["requests"]) == before
    assert again["replaced"] == doc["layers"]
    assert len(read_manifest(dest / "layers.toml")) == 2


def test_the_manifest_is_extended_not_overwritten(server, tmp_path):
    _jrc(server["root"], {100: 2.0})
    dest = tmp_path / "layers"
    dest.mkdir()
    _tif(dest / "mine.tif", np.full((2, 2), 0.3), 20.0, 46.0, 1.0)
    own = ('# my layers\n[[layer]]\nid = "my-pga"\nkind = "raster"\npath = "mine.tif"\n'
           'hazard = "earthquake"\nintensity_measure = "PGA"\nunit = "g"\n'
           'return_period_years = 475\nscenario = "baseline"\nsource = "mine"\n'
           'licence = "CC0"\n')
    (dest / "layers.toml").write_text(own, encoding="utf-8")
    sel = hazard_fetch.select("jrc-europe-flood", return_periods=[100],
                              base_url=server["url"] + "/jrc")
    hazard_fetch.fetch(sel, dest, **FAST)
    text = (dest / "layers.toml").read_text(encoding="utf-8")
    assert text.startswith(own)
    assert [layer.id for layer in read_manifest(dest / "layers.toml")] == [
        "my-pga", "jrc-europe-flood-rp100"]


def _glofas(root: Path) -> None:
    """GloFAS layout: a tile index and one file per tile and return period (two 1-degree tiles
    side by side here, depth 1.0 in the west tile and 3.0 in the east; a far tile)."""
    features = []
    for tid, name, west, north, depth in (("7", "N46_E20", 20.0, 46.0, 1.0),
                                          ("8", "N46_E21", 21.0, 46.0, 3.0),
                                          ("9", "N10_E100", 100.0, 10.0, 9.0)):
        features.append({"type": "Feature", "properties": {"id": tid, "name": name},
                         "geometry": {"type": "Polygon", "coordinates": [[
                             [west, north - 1], [west + 1, north - 1], [west + 1, north],
                             [west, north], [west, north - 1]]]}})
        _tif(root / "glofas" / "RP100" / f"ID{tid}_{name}_RP100_depth.tif",
             np.full((10, 10), depth), west, north, 0.1)
    (root / "glofas" / "tile_extents.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")


def test_glofas_tiles_in_the_box_become_one_layer_cut_to_it(server, tmp_path):
    _glofas(server["root"])
    dest = tmp_path / "layers"
    sel = hazard_fetch.select("glofas-flood", return_periods=[100], bbox=[20.5, 45.2, 21.5, 45.8],
                              base_url=server["url"] + "/glofas")
    doc = hazard_fetch.fetch(sel, dest, **FAST)
    assert doc["tiles"] == ["N46_E20", "N46_E21"]
    assert not any("N10_E100" in path for path, _ in server["requests"])
    (layer,) = read_manifest(dest / "layers.toml")
    assert layer.path == "glofas-flood-rp100.tif"
    with rasterio.open(dest / layer.path) as ds:
        assert tuple(round(v, 6) for v in ds.bounds) == (20.5, 45.2, 21.5, 45.8)
    got = _sample(dest / "layers.toml", [("w", 20.75, 45.5), ("e", 21.25, 45.5)])
    assert got[("glofas-flood-rp100", "w")].value == pytest.approx(1.0)
    assert got[("glofas-flood-rp100", "e")].value == pytest.approx(3.0)


def test_glofas_box_without_a_tile_or_without_a_box(server, tmp_path):
    _glofas(server["root"])
    sel = hazard_fetch.select("glofas-flood", return_periods=[100], bbox=[-60, -10, -50, 0],
                              base_url=server["url"] + "/glofas")
    with pytest.raises(ValidationError, match="no tile of glofas-flood meets"):
        hazard_fetch.fetch(sel, tmp_path / "d", **FAST)
    with pytest.raises(ValidationError, match="comes in tiles"):
        hazard_fetch.select("glofas-flood", base_url=server["url"])


def test_wri_future_scenario_horizon_and_model_name_the_files_and_layers(server, tmp_path):
    root = server["root"] / "wri"
    _tif(root / "inunriver_historical_000000000WATCH_1980_rp00100.tif", np.full((4, 4), 1.0),
         20.0, 46.0)
    for year, depth in ((2030, 1.2), (2050, 1.5)):
        _tif(root / f"inunriver_rcp8p5_0000GFDL-ESM2M_{year}_rp00100.tif",
             np.full((4, 4), depth), 20.0, 46.0)
    dest = tmp_path / "layers"
    base = server["url"] + "/wri"
    hazard_fetch.fetch(hazard_fetch.select("wri-aqueduct-riverine", return_periods=[100],
                                           base_url=base), dest, **FAST)
    sel = hazard_fetch.select("wri-aqueduct-riverine", return_periods=[100], scenario="RCP8.5",
                              horizons=["2030", "2050"], model="GFDL-ESM2M", base_url=base)
    doc = hazard_fetch.fetch(sel, dest, **FAST)
    assert doc["layers"] == ["wri-aqueduct-riverine-RCP8.5-2030-GFDL-ESM2M-rp100",
                             "wri-aqueduct-riverine-RCP8.5-2050-GFDL-ESM2M-rp100"]
    layers = {layer.id: layer for layer in read_manifest(dest / "layers.toml")}
    assert layers["wri-aqueduct-riverine-rp100"].scenario == "baseline"
    future = layers["wri-aqueduct-riverine-RCP8.5-2050-GFDL-ESM2M-rp100"]
    assert (future.scenario, future.horizon) == ("RCP8.5", "2050")
    assert doc["notes"] == []  # the files are in EPSG:4326 as the catalogue says
    got = _sample(dest / "layers.toml", [("p", 21.0, 45.0)])
    assert got[(future.id, "p")].value == pytest.approx(1.5)


def test_requests_not_offered_are_refused_before_any_download(server):
    with pytest.raises(ValidationError) as err:
        hazard_fetch.select("wri-aqueduct-riverine", return_periods=[100, 3], scenario="RCP8.5",
                            horizons=["2040"], bbox=[20, 44, 22, 46], base_url=server["url"])
    fields = {p.field: p.message for p in err.value.problems}
    assert "3 not offered" in fields["--return-period"]
    assert "2040 not offered" in fields["--horizon"]
    assert "GFDL-ESM2M" in fields["--model"]
    with pytest.raises(ValidationError, match="outside jrc-europe-flood's coverage"):
        hazard_fetch.select("jrc-europe-flood", bbox=[100, 10, 110, 20])
    with pytest.raises(ValidationError, match="'SSP5-8.5' is not offered"):
        hazard_fetch.select("jrc-europe-flood", scenario="SSP5-8.5")
    with pytest.raises(ValidationError, match="expected one of jrc-europe-flood"):
        hazard_fetch.select("nope")
    assert server["requests"] == []


def test_gem_is_refused_with_the_licence_and_how_to_load_it_by_hand():
    with pytest.raises(HazatlasError) as err:
        hazard_fetch.select("gem-gshm", base_url="http://127.0.0.1:9")
    text = str(err.value)
    assert "CC BY-NC-SA 4.0" in text and "zenodo.org/record/8409647" in text
    assert "user_supplied = true" in text


def test_eshm20_needs_a_mirror_and_takes_one_from_the_environment(server, tmp_path):
    with pytest.raises(HazatlasError, match="no download address"):
        hazard_fetch.select("eshm20-pga")
    _tif(server["root"] / "mirror" / "eshm20-pga" / "eshm20_pga_475.tif",
         np.full((4, 4), 0.25), 20.0, 46.0)
    sel = hazard_fetch.select("eshm20-pga", mirror=server["url"] + "/mirror")
    hazard_fetch.fetch(sel, tmp_path / "d", **FAST)
    (layer,) = read_manifest(tmp_path / "d" / "layers.toml")
    assert (layer.hazard, layer.intensity_measure, layer.unit, layer.return_period_years) == (
        "earthquake", "PGA", "g", 475.0)


def _blob(root: Path, size: int = 300_000) -> tuple[Path, bytes]:
    data = np.random.default_rng(7).integers(0, 255, size, dtype=np.uint8).tobytes()
    path = root / "blob.bin"
    path.write_bytes(data)
    return path, data


def test_resume_asks_for_the_rest_only(server, tmp_path):
    _, data = _blob(server["root"])
    dest = tmp_path / "blob.bin"
    (tmp_path / "blob.bin.part").write_bytes(data[:100_000])
    done = download(server["url"] + "/blob.bin", dest, **FAST)
    assert done.status == "resumed" and dest.read_bytes() == data
    assert server["requests"] == [("/blob.bin", "bytes=100000-")]
    assert not (tmp_path / "blob.bin.part").exists()


def test_a_server_ignoring_the_range_starts_the_file_again(server, tmp_path):
    _, data = _blob(server["root"])
    server["ignore_range"] = True
    (tmp_path / "blob.bin.part").write_bytes(b"x" * 1000)
    done = download(server["url"] + "/blob.bin", tmp_path / "blob.bin", **FAST)
    assert done.status == "downloaded" and (tmp_path / "blob.bin").read_bytes() == data


def test_a_truncated_body_is_retried_from_where_it_stopped(server, tmp_path):
    _, data = _blob(server["root"])
    server["truncate"]["/blob.bin"] = 1
    done = download(server["url"] + "/blob.bin", tmp_path / "blob.bin", **FAST)
    assert (tmp_path / "blob.bin").read_bytes() == data
    assert done.attempts == 2 and done.status == "resumed"
    assert server["requests"][1] == ("/blob.bin", f"bytes={len(data) // 2}-")


def test_a_body_always_cut_fails_and_leaves_no_file_under_its_name(server, tmp_path):
    _blob(server["root"])
    server["truncate"]["/blob.bin"] = 99
    with pytest.raises(FetchError, match="failed after 3 attempts"):
        download(server["url"] + "/blob.bin", tmp_path / "blob.bin", retries=2, **FAST)
    assert not (tmp_path / "blob.bin").exists()
    assert (tmp_path / "blob.bin.part").exists()  # kept for a later resume


def test_a_404_names_the_url_and_is_not_retried(server, tmp_path):
    _jrc(server["root"], {10: 0.5})
    sel = hazard_fetch.select("jrc-europe-flood", return_periods=[10, 100],
                              base_url=server["url"] + "/jrc")
    with pytest.raises(FetchError, match=r"Europe_RP100_filled_depth.tif: HTTP 404"):
        hazard_fetch.fetch(sel, tmp_path / "d", **FAST)
    assert [p for p, _ in server["requests"]].count("/jrc/Europe_RP100_filled_depth.tif") == 1
    assert not (tmp_path / "d" / "layers.toml").exists()


def test_a_bad_checksum_deletes_the_download(server, tmp_path):
    path, data = _blob(server["root"])
    with pytest.raises(FetchError, match="SHA-256 .* is not the expected"):
        download(server["url"] + "/blob.bin", tmp_path / "blob.bin", sha256="0" * 64, **FAST)
    assert not (tmp_path / "blob.bin").exists() and not (tmp_path / "blob.bin.part").exists()
    good = hashlib.sha256(data).hexdigest()
    done = download(server["url"] + "/blob.bin", tmp_path / "blob.bin", sha256=good, **FAST)
    assert done.sha256 == good


def test_checksums_file_is_applied_by_file_name(server, tmp_path):
    _jrc(server["root"], {100: 2.0})
    sums = tmp_path / "SHA256SUMS"
    sums.write_text(f"{'1' * 64}  Europe_RP100_filled_depth.tif\n", encoding="utf-8")
    sel = hazard_fetch.select("jrc-europe-flood", return_periods=[100],
                              base_url=server["url"] + "/jrc")
    with pytest.raises(FetchError, match="SHA-256"):
        hazard_fetch.fetch(sel, tmp_path / "d", checksums=hazard_fetch.read_checksums(sums),
                           **FAST)
    assert not list((tmp_path / "d").rglob("*.tif"))


def test_a_file_that_is_not_a_raster_is_not_kept(server, tmp_path):
    (server["root"] / "jrc").mkdir()
    (server["root"] / "jrc" / "Europe_RP100_filled_depth.tif").write_text("<html>moved</html>")
    sel = hazard_fetch.select("jrc-europe-flood", return_periods=[100],
                              base_url=server["url"] + "/jrc")
    with pytest.raises(FetchError, match="not usable"):
        hazard_fetch.fetch(sel, tmp_path / "d", **FAST)
    assert not list((tmp_path / "d").rglob("*.tif*"))


def test_offline_names_the_urls_and_how_to_load_the_files_by_hand(tmp_path):
    import socket

    with socket.socket() as s:  # a loopback port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sel = hazard_fetch.select("jrc-europe-flood", return_periods=[10, 100],
                              base_url=f"http://127.0.0.1:{port}/jrc")
    with pytest.raises(HazatlasError) as err:
        hazard_fetch.fetch(sel, tmp_path / "d", retries=1, **FAST)
    text = str(err.value)
    assert f"cannot reach http://127.0.0.1:{port}/jrc/Europe_RP10_filled_depth.tif" in text
    assert f"http://127.0.0.1:{port}/jrc/Europe_RP100_filled_depth.tif" in text
    assert str(tmp_path / "d" / "jrc-europe-flood") in text and "by hand" in text


def _row(**values: str) -> dict[str, str]:
    base = {c: "" for c in COLUMNS}
    base.update(values)
    return base


def test_the_fetched_manifest_screens_at_once(server, tmp_path, sqlite_db, make_csv):
    site = dict(establishment_id="RS-FETCH-CHEM", name="Fetched-layer solvent store",
                country="SRB", lon="21.3000", lat="44.7000", disclosure="national",
                source="https://example.org/t", quantity_basis="illustrative")
    RegisterService(sqlite_db, SYSTEM).import_file(make_csv([_row(
        **site, substance_name="Toluene", cas_number="108-88-3", quantity="5000", unit="t",
        physical_state="liquid", storage_unit="T-1")], "fetch.csv"))
    _jrc(server["root"], {10: 0.5, 100: 2.0})
    dest = tmp_path / "layers"
    result = CliRunner().invoke(cli, ["natech", "fetch", "jrc-europe-flood", "--return-period",
                                      "10", "--return-period", "100", "--dest", str(dest),
                                      "--base-url", server["url"] + "/jrc", "--json"])
    assert result.exit_code == 0, result.output
    doc = natech.screen(sqlite_db, SYSTEM, dest / "layers.toml")
    (screened,) = doc["sites"]
    values = {h["layer_id"]: h["value"] for h in screened["hazards"]}
    assert values == pytest.approx({"jrc-europe-flood-rp10": 0.5, "jrc-europe-flood-rp100": 2.0})
    (unit,) = screened["units"]  # the tank is assessed under both fetched floods
    floods = {(e["hazard"], e["return_period_years"]): e["intensity"] for e in unit["events"]}
    assert floods == pytest.approx({("flood", 10.0): 0.5, ("flood", 100.0): 2.0})


def test_cli_list_and_errors():
    runner = CliRunner()
    listed = runner.invoke(cli, ["natech", "fetch", "--list", "--json"])
    assert listed.exit_code == 0
    assert [d["id"] for d in json.loads(listed.output)][:2] == ["jrc-europe-flood",
                                                               "glofas-flood"]
    refused = runner.invoke(cli, ["natech", "fetch", "gem-gshm", "--dest", "x"])
    assert refused.exit_code == 2 and "CC BY-NC-SA" in refused.output
    missing = runner.invoke(cli, ["natech", "fetch", "jrc-europe-flood"])
    assert missing.exit_code == 2 and "--dest" in missing.output


def test_merge_replaces_the_block_of_the_same_id_and_keeps_the_rest():
    text = ('# head\n[[layer]]\nid = "a"\npath = "old.tif"\n\n# mine\n[[layer]]\nid = "b"\n'
            'path = "b.tif"\n')
    merged, replaced = merge_entries(text, [{"id": "a", "path": "new.tif"},
                                            {"id": "c", "path": "c.tif"}])
    assert replaced == ["a"]
    assert merged == ('# head\n[[layer]]\nid = "a"\npath = "new.tif"\n\n[[layer]]\nid = "b"\n'
                      'path = "b.tif"\n\n[[layer]]\nid = "c"\npath = "c.tif"\n')


def test_a_manifest_that_would_not_load_is_not_written(tmp_path):
    path = tmp_path / "layers.toml"
    path.write_text("# kept\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="no such file next to the manifest"):
        update_manifest(path, [{"id": "x", "kind": "raster", "path": "missing.tif",
                                "hazard": "flood", "intensity_measure": "depth", "unit": "m",
                                "return_period_years": 100, "scenario": "baseline",
                                "source": "s", "licence": "l"}])
    assert path.read_text(encoding="utf-8") == "# kept\n"


def test_cli_takes_the_mirror_from_the_environment(server, tmp_path):
    _tif(server["root"] / "mirror" / "jrc-europe-flood" / "Europe_RP50_filled_depth.tif",
         np.full((4, 4), 1.25), 20.0, 46.0)
    dest = tmp_path / "d"
    result = CliRunner().invoke(cli, ["natech", "fetch", "jrc-europe-flood", "--return-period",
                                      "50", "--dest", str(dest)],
                                env={"HAZATLAS_HAZARD_MIRROR": server["url"] + "/mirror"})
    assert result.exit_code == 0, result.output
    assert "jrc-europe-flood-rp50" in result.output
    got = _sample(dest / "layers.toml", [("p", 21.0, 45.0)])
    assert got[("jrc-europe-flood-rp50", "p")].value == pytest.approx(1.25)


def test_only_http_addresses_are_fetched(tmp_path):
    with pytest.raises(FetchError, match="expected an http"):
        download("file:///etc/hostname", tmp_path / "x")


def test_a_geotiff_cut_short_is_not_usable(tmp_path):
    from hazatlas.formats.raster_mosaic import check_raster

    whole = tmp_path / "whole.tif"
    rng = np.random.default_rng(3)
    _tif(whole, rng.random((200, 200)), 20.0, 46.0, 0.01)
    assert check_raster(whole)["width"] == 200
    cut = tmp_path / "cut.tif"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(ValidationError, match="cut.tif"):
        check_raster(cut)


def test_a_tile_index_that_is_not_geojson_is_not_kept(server, tmp_path):
    (server["root"] / "glofas").mkdir()
    (server["root"] / "glofas" / "tile_extents.geojson").write_text("<html>maintenance</html>")
    sel = hazard_fetch.select("glofas-flood", return_periods=[100], bbox=[20, 45, 21, 46],
                              base_url=server["url"] + "/glofas")
    with pytest.raises(FetchError, match="not a GeoJSON tile index"):
        hazard_fetch.fetch(sel, tmp_path / "d", **FAST)
    assert not (tmp_path / "d" / "glofas-flood" / "tile_extents.geojson").exists()


def test_a_file_in_another_crs_is_declared_and_said(server, tmp_path):
    path = server["root"] / "jrc" / "Europe_RP10_filled_depth.tif"
    path.parent.mkdir(parents=True)
    with rasterio.open(path, "w", driver="GTiff", height=4, width=4, count=1, dtype="float32",
                       crs="EPSG:3035", transform=Affine(1000.0, 0, 5_000_000.0, 0, -1000.0,
                                                         2_800_000.0)) as ds:
        ds.write(np.full((4, 4), 1.0, dtype="float32"), 1)
    sel = hazard_fetch.select("jrc-europe-flood", return_periods=[10],
                              base_url=server["url"] + "/jrc")
    doc = hazard_fetch.fetch(sel, tmp_path / "d", **FAST)
    assert doc["notes"] == ["jrc-europe-flood/Europe_RP10_filled_depth.tif: the file's CRS is "
                            "EPSG:3035, the catalogue says EPSG:4326 (sampling uses the file's)"]
