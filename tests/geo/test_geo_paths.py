"""Done-when checks of issue 4 on the real bundled data: downstream countries, the Timok,
the Naryn, and river distances against the published river kilometres (within 10 %)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from hazatlas.domain.reference import load_table
from hazatlas.geo.borders import _border_lines
from hazatlas.geo.network import RiverNetwork
from hazatlas.geo.paths import countries_downstream, downstream_path, outlet_name
from hazatlas.geo.snapping import snap_point


@pytest.fixture(scope="module")
def net() -> RiverNetwork:
    return RiverNetwork.load_default()


def _order(crossings: list) -> list[str]:
    return [c.country for c in crossings]


def _rkm(table: str, column: str, location_start: str) -> float:
    row = next(r for r in load_table(table) if r["location"].startswith(location_start))
    return float(re.match(r"[~]?([\d.]+)", row[column]).group(1))


def _mouth(net: RiverNetwork, river: str) -> int:
    """Index of the reach that starts where ``river`` ends."""
    ix = net.reaches_named(river)
    last = [i for i in ix if net.name[net.downstream[i]] != river]
    assert len(last) == 1
    return int(net.downstream[last[0]])


def test_baia_mare_reaches_hungary_serbia_romania_bulgaria_black_sea(net: RiverNetwork) -> None:
    s = snap_point(net, 23.58, 47.66)
    crossings = countries_downstream(net, s.reach_index, s.offset_m, origin="ROU")
    order = _order(crossings)
    assert order[0] == "HUN"
    assert order.index("HUN") < order.index("SRB") < order.index("ROU") < order.index("BGR")
    assert outlet_name(net, s.reach_index) == "Black Sea"
    dist = [c.river_distance_m for c in crossings]
    assert dist == sorted(dist)


def test_naryn_reaches_uzbekistan_then_kazakhstan(net: RiverNetwork) -> None:
    s = snap_point(net, 74.0, 41.4)  # Naryn, Kyrgyzstan
    assert net.name[s.reach_index] == "Naryn"
    order = _order(countries_downstream(net, s.reach_index, s.offset_m, origin="KGZ"))
    assert order[0] == "UZB" and "KAZ" in order
    assert order.index("UZB") < order.index("KAZ")
    assert outlet_name(net, s.reach_index) == "Aral Sea"


def test_bor_drains_by_the_timok_to_the_danube_at_the_rs_bg_border(net: RiverNetwork) -> None:
    s = snap_point(net, 22.10, 44.08)  # Bor, on the Bor river (a schematic reach)
    assert net.name[s.reach_index] == "Borska reka"
    path = downstream_path(net, s.reach_index)
    timok = [int(r) for r in path if "Timok" in net.name[r]]
    assert timok and net.name[path[path.tolist().index(timok[-1]) + 1]] == "Danube"
    # the Timok mouth lies on the Serbian-Bulgarian border (within the border tolerance)
    mouth = np.array(net.geometry[timok[-1]].coords[-1])
    lines, ca, cb = _border_lines()
    rs_bg = [xy for xy, a, b in zip(lines, ca, cb, strict=True) if {a, b} == {"SRB", "BGR"}]
    d_deg = min(np.hypot(*(xy - mouth).T).min() for xy in rs_bg)
    assert d_deg * 111_000 < 3_000
    crossings = countries_downstream(net, s.reach_index, s.offset_m, origin="SRB")
    assert crossings[0].country == "BGR" and crossings[0].border_river
    # Bulgaria is met on the Timok's border stretch, above its mouth
    to_mouth = net.distance_to_outlet_m[s.reach_index] - s.offset_m - (
        net.distance_to_outlet_m[timok[-1]] - net.length_m[timok[-1]]
    )
    assert crossings[0].river_distance_m < to_mouth


@pytest.mark.parametrize(
    ("tributary", "chainage"),
    [
        ("Sava", "Belgrade"),
        ("Mur", "Drava mouth"),
        ("Vah", "Vah"),
        ("Jiu", "Jiu mouth"),
        ("Beli Timok", "Timok mouth"),
        ("Tisa", "Tisza mouth"),
    ],
)
def test_confluence_chainage_within_10_percent(
    net: RiverNetwork, tributary: str, chainage: str
) -> None:
    """Network distance of a confluence to Sulina vs danube_chainage.csv (confirmed rows).

    The Mur line of Natural Earth continues as the lower Drava (SOURCES.md)."""
    published = _rkm("danube_chainage", "danube_rkm", chainage)
    network_km = net.distance_to_outlet_m[_mouth(net, tributary)] / 1000
    assert network_km == pytest.approx(published, rel=0.10)


def test_tisza_mouth_to_timok_mouth_within_10_percent(net: RiverNetwork) -> None:
    published = _rkm("danube_chainage", "danube_rkm", "Tisza mouth") - _rkm(
        "danube_chainage", "danube_rkm", "Timok mouth"
    )
    d = net.distance_to_outlet_m
    network_km = (d[_mouth(net, "Tisa")] - d[_mouth(net, "Beli Timok")]) / 1000
    assert network_km == pytest.approx(published, rel=0.10)


def test_serbian_border_on_the_tisza_within_10_percent(net: RiverNetwork) -> None:
    """From the Szamos mouth to the HU/RS border: tisza_chainage 686 - 159.6 km."""
    start = _mouth(net, "Somesul Cald")  # Natural Earth's name of the lower Somes
    crossings = countries_downstream(net, start, 0.0, origin="HUN")
    srb = next(c for c in crossings if c.country == "SRB")
    published = _rkm("tisza_chainage", "tisza_rkm", "Szamos") - _rkm(
        "tisza_chainage", "tisza_rkm", "HU/RS"
    )
    assert srb.river_distance_m / 1000 == pytest.approx(published, rel=0.10)


def test_romanian_border_on_the_danube_within_10_percent(net: RiverNetwork) -> None:
    """From the Tisza mouth to the RS/RO border at the Nera mouth: 1214.5 - 1075 km."""
    crossings = countries_downstream(net, _mouth(net, "Tisa"), 0.0, origin="SRB")
    rou = next(c for c in crossings if c.country == "ROU")
    published = _rkm("danube_chainage", "danube_rkm", "Tisza mouth") - _rkm(
        "danube_chainage", "danube_rkm", "Nera mouth"
    )
    assert rou.border_river
    assert rou.river_distance_m / 1000 == pytest.approx(published, rel=0.10)


def test_border_rivers_affect_both_banks(net: RiverNetwork) -> None:
    """A site on the Danube between Serbia and Romania affects Romania at 0 km."""
    s = snap_point(net, 21.6, 44.65)  # Danube near Golubac / Moldova Veche
    crossings = countries_downstream(net, s.reach_index, s.offset_m, origin="SRB")
    assert crossings[0].country == "ROU" and crossings[0].river_distance_m == 0.0
    assert "BGR" in _order(crossings)


def _snap_km(net: RiverNetwork, lon: float, lat: float) -> float:
    s = snap_point(net, lon, lat, max_distance_m=3_000)
    return (net.distance_to_outlet_m[s.reach_index] - s.offset_m) / 1000


@pytest.mark.parametrize(
    ("city", "lon", "lat"), [("Strasbourg", 7.80, 48.58), ("Mainz", 8.27, 50.0)]
)
def test_rhine_interior_chainage_within_10_percent(
    net: RiverNetwork, city: str, lon: float, lat: float
) -> None:
    """Basel -> Strasbourg / Mainz (rhine_chainage.csv, confirmed); the calibration stretch is
    Basel -> Cologne, so these interior points check it independently."""
    rows = {r["location"].split(" ")[0]: r for r in load_table("rhine_chainage")}
    published = float(rows[city]["rhine_km"]) - float(rows["Basel"]["rhine_km"])
    network_km = _snap_km(net, 7.59, 47.56) - _snap_km(net, lon, lat)
    assert network_km == pytest.approx(published, rel=0.10)


def test_rhine_dutch_border_derived_value(net: RiverNetwork) -> None:
    """Basel -> German/Dutch border: 865.5 - 167 km, a DERIVED value in rhine_chainage.csv
    (Cologne + 177.5 km); outside the calibration stretch, so the network may be short."""
    s = snap_point(net, 7.59, 47.56)
    nld = next(
        c for c in countries_downstream(net, s.reach_index, s.offset_m) if c.country == "NLD"
    )
    assert nld.river_distance_m / 1000 == pytest.approx(865.5 - 167, rel=0.10)
