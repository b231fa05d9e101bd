"""Main-stem names with the names in the riparian languages (``data/geo/river_names.csv``;
issue 14, item 4): Danube/Donau/Duna/Dunav/Dunărea/Dunaj, Tisza/Tisa, Someș/Szamos."""

from __future__ import annotations

import pytest

from hazatlas.geo.network import RiverNetwork
from hazatlas.geo.paths import downstream_path
from hazatlas.geo.river_names import name_rows
from hazatlas.geo.snapping import snap_point
from hazatlas.services.screen import screen_point


@pytest.fixture(scope="module")
def net() -> RiverNetwork:
    return RiverNetwork.load_default()


def _reach(net: RiverNetwork, lon: float, lat: float) -> int:
    return int(snap_point(net, lon, lat).reach_index)


def test_every_row_has_a_source() -> None:
    assert all(r["source"] and r["status"] and r["river"] for r in name_rows())


def test_the_danube_has_one_name_above_and_below_bratislava(net: RiverNetwork) -> None:
    above, below = _reach(net, 12.10, 48.95), _reach(net, 20.68, 44.83)  # Regensburg, Pancevo
    assert net.name[above] == "Donau" and net.name[below] == "Danube"  # Natural Earth
    for r in (above, below):
        assert net.river_name(r) == "Danube"
        names = net.river_names(r)
        assert names["de"] == "Donau" and names["hu"] == "Duna" and names["ro"] == "Dunărea"
        assert names["sk"] == "Dunaj" and names["hr"] == "Dunav" and names["uk"] == "Дунай"


@pytest.mark.parametrize(
    ("lon", "lat"),
    [(22.32, 48.13), (21.41, 48.12), (20.18, 47.17), (20.16, 46.40), (20.10, 45.80)],
    ids=["Vasarosnameny", "Tokaj", "Szolnok", "above Szeged", "Serbia"],
)
def test_the_tisza_is_named_along_its_whole_course(
    net: RiverNetwork, lon: float, lat: float
) -> None:
    r = _reach(net, lon, lat)
    assert net.river_name(r) == "Tisza"
    assert net.river_names(r)["hu"] == "Tisza" and net.river_names(r)["ro"] == "Tisa"


def test_the_somes_main_stem_is_named_and_its_headwater_is_not_renamed(
    net: RiverNetwork,
) -> None:
    main = _reach(net, 22.885, 47.79)  # Satu Mare, on the Somes below Dej
    head = _reach(net, 23.59, 46.77)  # Cluj-Napoca, on the Somesul Mic
    assert net.name[main] == net.name[head] == "Somesul Cald"  # Natural Earth's label
    assert net.river_name(main) == "Someș" and net.river_names(main)["hu"] == "Szamos"
    assert net.river_name(head) == "Someșul Mic"
    # the Somesul Mic joins the Somes at Dej (the Somes is split at the Lăpuș mouth, so the
    # reach below Dej is the upper part of the main stem)
    assert net.river_name(int(net.downstream[head])) == "Someș"
    assert main in downstream_path(net, int(net.downstream[head]))


def test_unnamed_reaches_keep_their_source_name(net: RiverNetwork) -> None:
    r = _reach(net, 24.87, 47.74)  # the Viseu, unnamed in Natural Earth
    assert net.river_name(r) == net.name[r] and net.river_names(r) == {}


def test_screening_results_carry_the_names(net: RiverNetwork) -> None:
    r = screen_point(22.885, 47.79, network=net)  # Satu Mare, on the Somes
    assert r["reach_name"] == "Somesul Cald"  # unchanged key and value
    assert r["river"] == "Someș" and r["river_names"]["hu"] == "Szamos"
    r = screen_point(20.18, 47.17, network=net)  # Szolnok
    assert r["river"] == "Tisza" and r["river_names"]["sr"].startswith("Tisa")


@pytest.mark.parametrize(
    ("water", "river"),
    [("Maros", "Mures"), ("Mureș", "Mures"), ("Nistru", "Dniester"), ("Дністер", "Dniester"),
     ("Kür", "Kura"), ("Araz", "Aras"), ("Шу", "Chu"), ("Sirdaryo", "Syr Darya"),
     ("Сырдарья", "Syr Darya"), ("Norin", "Naryn")],
)
def test_a_receiving_water_in_a_riparian_language_finds_its_river(
    net: RiverNetwork, water: str, river: str
) -> None:
    """The names by language of the programme's other rivers (Mureș/Maros, Dniester/Nistru,
    Kura/Kür, Aras/Araz, Chu/Shu, Syr Darya/Sirdaryo, Naryn/Norin) guide the snapping like the
    Danube's; the Syr Darya's names cover both its renamed reaches and Natural Earth's own."""
    from hazatlas.geo.snapping import reaches_for_water

    hits = reaches_for_water(net, water)
    assert len(hits) and {net.river_name(int(i)) for i in hits} == {river}
    if river == "Syr Darya":
        assert {int(i) for i in hits} == {int(i) for i in reaches_for_water(net, "Syr Darya")}


def test_the_naryn_keeps_its_name_above_the_junction_and_not_below(net: RiverNetwork) -> None:
    names = {net.river_name(int(i)) for i in net.reaches_named("Naryn")}
    assert names == {"Naryn", "Syr Darya"}  # Natural Earth's "Naryn": renamed below the junction
