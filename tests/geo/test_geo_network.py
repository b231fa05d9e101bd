"""River network arrays, hydraulics and user networks (bundled Natural Earth data)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely

from hazatlas.domain.errors import HazatlasError, ValidationError
from hazatlas.domain.reference import load_table
from hazatlas.geo import hydraulics as hy
from hazatlas.geo.network import RiverNetwork


@pytest.fixture(scope="module")
def net() -> RiverNetwork:
    return RiverNetwork.load_default()


def test_arrays_and_topological_order(net: RiverNetwork) -> None:
    n = len(net)
    # the 2206 Natural Earth reaches, plus the schematic reaches and the reaches they split
    assert (net.reach_id <= 2206).sum() == 2206 and n > 2206
    for arr in (net.reach_id, net.downstream, net.order, net.length_m, net.lake_volume_m3):
        assert arr.shape == (n,)
    pos = np.empty(n, dtype=int)
    pos[net.order] = np.arange(n)
    has = net.downstream >= 0
    assert (pos[has] < pos[net.downstream[has]]).all()
    assert sorted(net.order.tolist()) == list(range(n))
    i = net.index_of(int(net.reach_id[10]))
    assert i == 10
    with pytest.raises(HazatlasError, match="not in the river network"):
        net.index_of(999_999)


def test_geometry_runs_downstream(net: RiverNetwork) -> None:
    has = np.flatnonzero(net.downstream >= 0)[:200]
    for i in has:
        end = net.geometry[i].coords[-1]
        start = net.geometry[net.downstream[i]].coords[0]
        assert end == pytest.approx(start)


def test_every_gauge_is_reproduced_and_labelled(net: RiverNetwork) -> None:
    q = net.discharge("mean")
    origin = net.discharge_origin()
    gauged = np.flatnonzero(origin == "gauged")
    rows = load_table("river_gauges")
    # stations on rivers the bundled network lacks are left out with a note, never put on the
    # main stem they join (issue 14)
    unplaced = {r["gauge_id"] for r in rows if any(r["gauge_id"] + " " in n for n in net.notes)}
    # the Chirchik's station lies on its schematic reach, the Kara Darya's (placed at its
    # mouth) on the schematic Kara Darya
    assert unplaced == set()
    means = sorted(float(r["mean_m3_s"]) for r in rows if r["gauge_id"] not in unplaced)
    assert sorted(np.round(q[gauged], 2).tolist()) == pytest.approx(means)
    assert set(np.unique(origin)) <= {"gauged", "interpolated", "default", "user"}


def test_discharge_grows_down_the_danube_between_gauges(net: RiverNetwork) -> None:
    q = net.discharge("mean")
    i = net.reaches_named("Donau")[0]
    path = [i]
    while net.downstream[path[-1]] >= 0:
        path.append(int(net.downstream[path[-1]]))
    main = [r for r in path if net.name[r] in ("Danube", "Donau")]
    gauged = net.discharge_origin()[main] == "gauged"
    step = np.diff(q[main])
    # the flow grows between gauges; at a gauge it may fall where the gauges and tributaries
    # above it give more than its own series (issue 14: tributaries are no longer starved),
    # by less than the plausibility check's limit
    assert np.all(step[~gauged[1:]] >= -1e-6)
    assert np.all(q[main][1:][gauged[1:]] >= q[main][:-1][gauged[1:]] / 1.25)
    assert q[main[-1]] == pytest.approx(6452.0)  # mouth gauge (danube_tisza_discharge.csv)


def test_low_mean_high_order_and_ratio(net: RiverNetwork) -> None:
    low, mean, high = (net.discharge(f) for f in ("low", "mean", "high"))
    assert (low <= mean + 1e-9).all() and (mean <= high + 1e-9).all()
    ach = [r for r in load_table("river_gauges") if r["gauge_id"] == "danube_achleiten"][0]
    i = int(np.argmin(np.abs(mean - float(ach["mean_m3_s"]))))
    assert low[i] == pytest.approx(float(ach["low_m3_s"]))
    assert high[i] == pytest.approx(float(ach["high_m3_s"]))


def test_hydraulics_continuity_and_velocity_order(net: RiverNetwork) -> None:
    river = net.lake_volume_m3 != net.lake_volume_m3  # not a lake
    for flow in ("low", "mean", "high"):
        h = net.hydraulics(flow)
        prod = h.width_m * h.depth_m * h.velocity_m_s
        assert np.allclose(prod[river], h.discharge_m3_s[river], rtol=1e-9)
        assert (h.dispersion_m2_s > 0).all()
    v = [net.hydraulics(f).velocity_m_s for f in ("low", "mean", "high")]
    assert (v[0] <= v[1]).all() and (v[1] <= v[2]).all()


def test_lake_reach_has_volume_residence_time(net: RiverNetwork) -> None:
    toktogul = [i for i in net.reaches_named("Naryn") if not np.isnan(net.lake_volume_m3[i])]
    assert len(toktogul) == 1
    i = toktogul[0]
    vol = float(
        [r for r in load_table("lake_volumes") if r["lake_name"] == "Toktogul"][0]["volume_m3"]
    )
    assert net.lake_volume_m3[i] == pytest.approx(vol)
    h = net.hydraulics("mean")
    residence_s = net.length_m[i] / h.velocity_m_s[i]
    assert residence_s == pytest.approx(vol / h.discharge_m3_s[i])


def test_dispersion_methods_selectable(net: RiverNetwork) -> None:
    base = net.hydraulics("mean").dispersion_m2_s
    for method in hy.DISPERSION_METHODS:
        other = net.with_dispersion_method(method).hydraulics("mean").dispersion_m2_s
        assert np.isfinite(other).all() and (other > 0).all()
    elder = net.with_dispersion_method("elder1959").hydraulics("mean").dispersion_m2_s
    assert not np.allclose(elder, base)
    with pytest.raises(HazatlasError, match="unknown dispersion method"):
        net.with_dispersion_method("nope")


def test_formulas_match_table_definitions() -> None:
    u, b, h, us = np.array([1.2]), np.array([300.0]), np.array([6.0]), np.array([0.08])
    k = lambda m: float(hy.dispersion_coefficient(u, b, h, m, us)[0])  # noqa: E731
    assert k("fischer1975") == pytest.approx(0.011 * 1.2**2 * 300**2 / (6 * 0.08))
    assert k("elder1959") == pytest.approx(5.93 * 6 * 0.08)
    assert k("seo_cheong1998") == pytest.approx(5.915 * 50**0.620 * 15**1.428 * 6 * 0.08)
    fr = 1.2 / np.sqrt(9.80665 * 6)
    assert k("disley2015") == pytest.approx(
        3.563 * fr**-0.4117 * 50**0.6776 * 15**1.0132 * 6 * 0.08
    )
    assert k("kashefipour_falconer2002") == pytest.approx(
        (7.428 + 1.775 * 50**0.62 * (1 / 15) ** 0.572) * 15 * 6 * 1.2
    )


def test_overrides_are_user_values(net: RiverNetwork) -> None:
    rid = int(net.reach_id[net.reaches_named("Tisa")[0]])
    mod = net.with_overrides({rid: {"velocity_m_s": 0.5, "dispersion_m2_s": 80.0}})
    i = mod.index_of(rid)
    assert mod.hydraulics("mean").velocity_m_s[i] == pytest.approx(0.5)
    assert mod.hydraulics("mean").dispersion_m2_s[i] == pytest.approx(80.0)
    assert mod.origin("velocity_m_s")[i] == "user"
    assert net.origin("velocity_m_s")[i] == "derived"
    assert mod.hydraulics("low").velocity_m_s[i] < 0.5
    with pytest.raises(ValidationError):
        net.with_overrides({rid: {"velocity_m_s": -1}})


def _user_features() -> dict:
    lines = [
        (1, 2, [(20.0, 45.0), (20.1, 45.0)], 10.0),
        (2, 3, [(20.1, 45.0), (20.2, 45.0)], None),
        (4, 2, [(20.1, 45.1), (20.1, 45.0)], None),
        (3, 0, [(20.2, 45.0), (20.3, 45.0)], 30.0),
    ]
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"HYRIV_ID": rid, "NEXT_DOWN": nd, "DIS_AV_CMS": q},
                "geometry": {"type": "LineString", "coordinates": coords},
            }
            for rid, nd, coords, q in lines
        ],
    }


def test_user_geojson_hydrorivers_fields(tmp_path) -> None:
    path = tmp_path / "net.geojson"
    path.write_text(json.dumps(_user_features()))
    net = RiverNetwork.load(path)
    assert net.reach_id.tolist() == [1, 2, 4, 3]
    assert net.downstream.tolist() == [1, 3, 1, -1]
    q = net.discharge("mean")
    assert q[0] == pytest.approx(10.0) and q[3] == pytest.approx(30.0)
    assert list(net.discharge_origin()) == ["user", "interpolated", "interpolated", "user"]
    assert 10.0 < q[1] < 30.0


def test_user_geopackage(tmp_path) -> None:
    import sqlite3

    path = tmp_path / "net.gpkg"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE gpkg_contents (table_name TEXT, data_type TEXT)")
    con.execute(
        "CREATE TABLE gpkg_geometry_columns (table_name TEXT, column_name TEXT, srs_id INT)"
    )
    con.execute("INSERT INTO gpkg_contents VALUES ('rivers', 'features')")
    con.execute("INSERT INTO gpkg_geometry_columns VALUES ('rivers', 'geom', 4326)")
    con.execute(
        "CREATE TABLE rivers (fid INTEGER PRIMARY KEY, geom BLOB, reach_id INT, next_down INT)"
    )
    for rid, nd, coords in ((1, 2, [(20, 45), (20.1, 45)]), (2, 0, [(20.1, 45), (20.2, 45)])):
        wkb = shapely.to_wkb(shapely.LineString(coords))
        header = b"GP\x00\x01" + (4326).to_bytes(4, "little")  # no envelope, little endian
        con.execute(
            "INSERT INTO rivers (geom, reach_id, next_down) VALUES (?, ?, ?)",
            (header + wkb, rid, nd),
        )
    con.commit()
    con.close()
    net = RiverNetwork.load(path)
    assert net.downstream.tolist() == [1, -1]
    assert net.length_m[0] == pytest.approx(7_900, rel=0.01)


def test_user_file_errors_name_the_row(tmp_path) -> None:
    doc = _user_features()
    del doc["features"][1]["properties"]["HYRIV_ID"]
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps(doc))
    with pytest.raises(ValidationError, match="row 2"):
        RiverNetwork.load(path)
    other = tmp_path / "net.shp"
    other.write_bytes(b"")
    with pytest.raises(HazatlasError, match="unsupported network format"):
        RiverNetwork.load(other)


def test_the_network_is_immutable(net: RiverNetwork) -> None:
    arrays = [net.reach_id, net.downstream, net.order, net.length_m, net.length_factor,
              net.lake_volume_m3, net.distance_to_outlet_m, net.outlet,
              *net.groups, *net.user_values.values(), *vars(net.hydraulics("high")).values()]  # fmt: skip
    for arr in arrays:
        assert not arr.flags.writeable
        with pytest.raises(ValueError, match="read-only"):
            arr[:1] = 0
    with pytest.raises(AttributeError, match="immutable"):
        net.length_factor = np.ones(len(net))  # type: ignore[misc]
    with pytest.raises(AttributeError, match="immutable"):
        net.cache = {}  # type: ignore[attr-defined]
    assert not hasattr(net, "cache")  # derived data lives in net.index, not in the network
    with pytest.raises(TypeError):
        net.attributes["system"] = ()  # type: ignore[index]
    assert isinstance(net.name, tuple) and isinstance(net.geometry, tuple)


def test_length_factor_is_set_at_construction(net: RiverNetwork) -> None:
    danube = net.reaches_named("Danube")
    assert (net.length_factor[danube] > 1.0).any()
    assert net.length_factor.min() > 0.0
    copy = net.with_overrides({int(net.reach_id[0]): {"velocity_m_s": 0.5}})
    np.testing.assert_array_equal(copy.length_factor, net.length_factor)
    np.testing.assert_array_equal(copy.length_m, net.length_m)


def test_derived_indexes_are_built_once_per_network(net: RiverNetwork) -> None:
    index = net.index
    assert net.index is index and index.network is net
    assert index.runs is net.index.runs and index.tails is index.tails
    assert len(index.tails) == len(index.runs.start) == len(net)
    assert set(index.outlet_names) == set(np.unique(net.outlet).tolist())
    copy = net.with_dispersion_method("elder1959")
    assert copy.index is not index and copy.index.network is copy
    assert copy.index.travel["mean"] is not index.travel["mean"]


def test_a_user_network_without_discharges_says_so() -> None:
    line = shapely.LineString([(20.0, 45.0), (20.1, 45.0)])
    net = RiverNetwork.from_features([({"reach_id": 1}, line)], with_lakes=False, assign=False)
    assert net.discharges is None
    with pytest.raises(HazatlasError, match="without discharges"):
        net.hydraulics("mean")
