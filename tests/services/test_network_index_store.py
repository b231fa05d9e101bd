"""The derived indexes stored with a network (``hazatlas network build``): loading it reads the
snapping index and the state runs back instead of building them, with the same arrays and the
same screening answers as when they are built; an archive without them (format 1) or stamped by
other code or data is still loaded, its indexes built as before, with a warning that names why;
on SQLite and PostGIS."""

from __future__ import annotations

import io
import json
import logging
import zipfile

import numpy as np
import pytest

from hazatlas.domain.access import SYSTEM
from hazatlas.formats.network_files import write_hydrorivers
from hazatlas.geo.network_build import to_network
from hazatlas.geo.network_index import index_stamp
from hazatlas.geo.network_synthetic import hydrorivers_columns, synthetic_network
from hazatlas.services import networks, screen
from hazatlas.storage import networks as stored

BOX = (18.0, 42.0, 30.5, 47.6)


@pytest.fixture(scope="module")
def gpkg(tmp_path_factory):
    table = synthetic_network(1_500, seed=4, bbox=BOX)
    path = tmp_path_factory.mktemp("netindex") / "danube_hydrorivers.gpkg"
    write_hydrorivers(path, hydrorivers_columns(table), table)
    return path


def _sites(n: int = 400) -> list[screen.Site]:
    rng = np.random.default_rng(9)
    lon, lat = rng.uniform(18.5, 30.0, n), rng.uniform(42.5, 47.5, n)
    return [screen.Site(f"s{i}", float(x), float(y)) for i, (x, y) in enumerate(zip(lon, lat, strict=True))]


def _archive(db, name: str) -> bytes:
    with db.transaction() as s:
        data = stored.archive(s, name)
    assert data is not None
    return data


def _put(db, name: str, data: bytes, reaches: int) -> None:
    with db.transaction() as s:
        stored.put(s, name=name, basin=None, source_format="hydrorivers", source_file="x.gpkg",
                   source_sha256="0" * 64, summary={}, created_by="test", data=data,
                   reaches=reaches)  # fmt: skip


def _fresh(data: bytes, name: str):
    """The network of an archive with its indexes built, not read."""
    return to_network(stored.decode(data), f"network:{name}")


def _same_index(a, b) -> None:
    sa, sb = a.index.snap, b.index.snap
    for k in ("lon", "lat", "feature", "is_first", "is_last", "xyz", "along"):
        x, y = getattr(sa.segments, k), getattr(sb.segments, k)
        assert x.dtype == y.dtype and np.array_equal(x, y), k
    assert np.array_equal(sa.scale, sb.scale) and np.array_equal(sa.river_key, sb.river_key)
    ra, rb = a.index.runs, b.index.runs
    assert ra.state == rb.state and np.array_equal(ra.pos, rb.pos)
    assert np.array_equal(ra.ptr, rb.ptr)
    assert all(np.array_equal(x, y) for x, y in zip(ra.start, rb.start, strict=True))


def test_a_stored_network_reads_its_indexes_and_answers_the_same(db, gpkg) -> None:
    networks.build_network(db, SYSTEM, gpkg, "danube")
    data = _archive(db, "danube")
    decoded = stored.decode_all(data)
    assert decoded.format == stored.ARCHIVE_FORMAT == 2 and decoded.index is not None
    assert json.loads(str(decoded.index["stamp"])) == json.loads(index_stamp())
    # read in place: read-only views of the archive, aligned, not copies
    big = decoded.index["snap.segments.xyz"]
    assert not big.flags.writeable and big.flags.aligned and big.base is not None
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        methods = {i.filename: i.compress_type for i in z.infolist()}
    assert methods["coords.npy"] == zipfile.ZIP_DEFLATED
    assert methods["index/snap.segments.xyz.npy"] == zipfile.ZIP_STORED
    net = networks.load_network(db, "danube")
    assert net.index.stored
    fresh = _fresh(data, "danube")
    assert not fresh.index.stored
    _same_index(net, fresh)
    sites = _sites()
    a = screen.screen_sites(sites, network=net).results()
    b = screen.screen_sites(sites, network=fresh).results()
    assert a == b
    assert sum(r["reach_id"] is not None for r in a) > 50  # sites do reach the network


def test_an_archive_without_indexes_is_loaded_with_a_warning(db, gpkg, caplog) -> None:
    networks.build_network(db, SYSTEM, gpkg, "danube")
    data = _archive(db, "danube")
    # the layout written before the indexes were stored (format 1, all compressed)
    with np.load(io.BytesIO(data), allow_pickle=False) as z:
        core = {k: z[k] for k in z.files if not k.startswith(stored.INDEX_PREFIX)}
    core["format"] = np.array([1])
    buf = io.BytesIO()
    np.savez_compressed(buf, **core)
    _put(db, "old", buf.getvalue(), 1_500)
    with caplog.at_level(logging.WARNING, logger="hazatlas.services.networks"):
        net = networks.load_network(db, "old")
    assert not net.index.stored
    msg = caplog.text
    assert "'old'" in msg and "archive format 1" in msg and "--replace" in msg
    sites = _sites(150)
    fresh = _fresh(data, "old")
    assert screen.screen_sites(sites, network=net).results() == screen.screen_sites(
        sites, network=fresh
    ).results()


def test_indexes_stamped_by_other_code_are_not_used(db, gpkg, caplog) -> None:
    networks.build_network(db, SYSTEM, gpkg, "danube")
    decoded = stored.decode_all(_archive(db, "danube"))
    assert decoded.index is not None
    index = dict(decoded.index)
    stamp = json.loads(str(index["stamp"]))
    stamp["index_format"] = -1
    stamp["data"] = {"land_borders_derived.geojson": "0"}
    index["stamp"] = np.array(json.dumps(stamp))
    _put(db, "stale", stored.encode(decoded.built, index), 1_500)
    with caplog.at_level(logging.WARNING, logger="hazatlas.services.networks"):
        net = networks.load_network(db, "stale")
    assert not net.index.stored
    assert "'stale'" in caplog.text and "data, index_format differ" in caplog.text


def test_an_unknown_archive_format_is_refused_by_name() -> None:
    buf = io.BytesIO()
    np.savez(buf, format=np.array([99]))
    with pytest.raises(ValueError, match="unknown river network archive format 99.*build the"):
        stored.decode(buf.getvalue())
