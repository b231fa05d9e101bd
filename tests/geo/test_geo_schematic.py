"""Schematic reaches (``data/geo/schematic_*.csv``, issue 14 item 2): the data's sources, bad
rows, how the rivers join the network, and the Central Asian paths they give."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

from hazatlas.domain.errors import ValidationError
from hazatlas.domain.reference import data_path
from hazatlas.geo.network import RiverNetwork
from hazatlas.geo.paths import downstream_path
from hazatlas.geo.schematic import (
    RIVERS_FILE,
    VERTICES_FILE,
    is_schematic,
    parse_rivers,
    path_rivers,
    schematic_rivers,
)
from hazatlas.geo.snapping import reaches_for_water, snap_to_reaches

REQUIRED = ("Kara Darya", "Chirchik", "Angren", "Mailuu-Suu", "Sokh", "Isfara", "Kassansay",
            "Talas", "Chu", "Lăpuș", "Săsar", "Jadar", "Borska reka")  # fmt: skip


@pytest.fixture(scope="module")
def net() -> RiverNetwork:
    return RiverNetwork.load_default()


def _texts() -> tuple[str, str]:
    return (
        data_path("geo", RIVERS_FILE).read_text(encoding="utf-8"),
        data_path("geo", VERTICES_FILE).read_text(encoding="utf-8"),
    )


def _edit(text: str, river: str, column: str, value: str, seq: str | None = None) -> str:
    rows = list(csv.DictReader(io.StringIO(text)))
    for row in rows:
        if row["river"] == river and (seq is None or row["seq"] == seq):
            row[column] = value
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def test_every_row_and_coordinate_has_a_source() -> None:
    rivers = schematic_rivers()
    assert {r.name for r in rivers} >= set(REQUIRED)
    for r in rivers:
        assert r.source and r.status == "schematic"
        assert r.length_km is None or r.length_source
        assert r.mean_discharge_m3_s is None or r.discharge_source
        assert r.vertices[-1].role == "mouth"
        for v in r.vertices:
            assert v.source and (v.status == "confirmed" or v.status.startswith("unconfirmed"))
    # the raw files too: no row without a source
    for text in _texts():
        assert all(row["source"].strip() for row in csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize(
    ("which", "river", "column", "value", "seq", "message"),
    [
        ("vertices", "Chirchik", "lon", "abc", "2", "expected a number"),
        ("vertices", "Chirchik", "lat", "95", "2", "expected a number in [-90, 90]"),
        ("vertices", "Chirchik", "source", "", "2", "every vertex needs a source"),
        ("vertices", "Chirchik", "role", "bridge", "2", "expected one of source"),
        ("vertices", "Chirchik", "status", "maybe", "2", "'confirmed' or 'unconfirmed"),
        ("vertices", "Chirchik", "role", "town", "4", "the last vertex must be the mouth"),
        ("vertices", "Chirchik", "river", "Chirchiq", "4", "is not in schematic_rivers.csv"),
        ("rivers", "Chirchik", "source", "", None, "every row needs a source"),
        ("rivers", "Chirchik", "length_source", "", None, "a length needs its source"),
        ("rivers", "Chirchik", "length_km", "-3", None, "expected a number"),
        ("rivers", "Chirchik", "status", "mapped", None, "expected 'schematic'"),
    ],
)
def test_bad_rows_give_clear_errors(
    which: str, river: str, column: str, value: str, seq: str | None, message: str
) -> None:
    rivers, vertices = _texts()
    if which == "vertices":
        vertices = _edit(vertices, river, column, value, seq)
    else:
        rivers = _edit(rivers, river, column, value)
    with pytest.raises(ValidationError) as err:
        parse_rivers(rivers, vertices)
    text = str(err.value)
    assert message in text
    assert (VERTICES_FILE if which == "vertices" else RIVERS_FILE) in text
    assert "row" in text


def test_a_missing_column_is_named() -> None:
    rivers, vertices = _texts()
    with pytest.raises(ValidationError, match="missing column"):
        parse_rivers(rivers, vertices.replace("role,", "kind,", 1))


def test_a_mouth_far_from_its_river_is_an_error() -> None:
    from hazatlas.geo.schematic_join import ReachColumns, extend

    net = RiverNetwork.load_default()
    rivers, vertices = _texts()
    # move the Chirchik's mouth 0.5 degrees north, away from the Syr Darya
    rows = [r for r in parse_rivers(rivers, vertices) if r.name == "Chirchik"]
    moved = parse_rivers(rivers, _edit(vertices, "Chirchik", "lat", "41.40", "4"))
    moved = tuple(r for r in moved if r.name == "Chirchik")
    base = [i for i in range(len(net)) if not is_schematic(net)[i]]
    cols = ReachColumns(
        [int(net.reach_id[i]) for i in base], [-1] * len(base),
        [float(net.length_m[i]) for i in base], [1.0] * len(base),
        [net.name[i] for i in base], [net.geometry[i] for i in base],
        {"river": [net.attributes["river"][i] for i in base]},
    )  # fmt: skip
    extend(cols, rows)  # the published mouth joins
    with pytest.raises(ValidationError, match=r"schematic_vertices.csv, row \d+.*within 15 km"):
        extend(cols, moved)


def test_schematic_reaches_join_the_network_at_their_mouths(net: RiverNetwork) -> None:
    flags = is_schematic(net)
    assert flags.sum() >= len(REQUIRED)
    for r in schematic_rivers():
        reaches = np.flatnonzero(np.array(net.attributes["schematic_river"]) == r.name)
        assert len(reaches) >= 1
        last = [i for i in reaches if net.downstream[i] < 0 or not (
            net.attributes["schematic_river"][net.downstream[i]] == r.name)]  # fmt: skip
        assert len(last) == 1
        down = int(net.downstream[last[0]])
        if not r.joins:
            assert down == -1  # the Chu, Talas, Sokh and Isfara end inland
            continue
        # it flows into its receiving river, and the junction is a shared vertex
        names = {net.name[down], net.river_name(down)}
        assert names & set(r.joins), (r.name, names)
        assert net.geometry[last[0]].coords[-1] == net.geometry[down].coords[0]
        if r.uses_published_length:
            total = net.length_m[reaches].sum() / 1000
            assert total == pytest.approx(r.length_km, rel=1e-6)


def test_names_guide_the_snapping(net: RiverNetwork) -> None:
    for water, river in [("Somes", "Someș"), ("Szamos", "Someș"), ("Tisa", "Tisza"),
                         ("Sasar", "Săsar"), ("Akhangaran", "Angren"), ("Chirchiq", "Chirchik"),
                         ("Bela reka", "Borska reka"), ("Syr Darya", "Syr Darya"),
                         ("Naryn", "Naryn")]:  # fmt: skip
        hits = reaches_for_water(net, water)
        assert len(hits) and all(net.river_name(int(i)) == river for i in hits), water


def test_a_river_is_found_under_its_source_name_and_its_renamed_reaches(
    net: RiverNetwork,
) -> None:
    """The Syr Darya: river_names.csv renames the reaches Natural Earth calls "Naryn" below the
    Kara Darya junction; the reaches Natural Earth itself calls "Syr Darya" (Khujand and below)
    belong to the same river. A site at Degmay (near Khujand, 8 km from the river) snaps there,
    not some 60 km upstream onto the renamed reaches in the Fergana valley."""
    hits = reaches_for_water(net, "Syr Darya")
    source_named = {i for i in range(len(net)) if net.name[i] == "Syr Darya"}
    assert source_named and source_named <= {int(i) for i in hits}
    snap = snap_to_reaches(net, hits, np.array([69.73]), np.array([40.215]), 20_000)
    assert 0 <= snap.reach_index[0] and snap.distance_m[0] < 10_000


@pytest.mark.parametrize(
    ("lon", "lat", "river", "km_range"),
    [
        # Chirchiq (town) -> Chirchik -> Syr Darya at Chinaz: the Chirchik below the town
        (69.58, 41.47, "Chirchik", (90, 160)),
        # Almalyk -> Angren -> Syr Darya
        (69.56, 40.87, "Angren", (60, 160)),
        # Mailuu-Suu -> Kara Darya -> start of the Syr Darya (Naryn junction)
        (72.45, 41.265, "Mailuu-Suu", (80, 200)),
    ],
)
def test_central_asian_sites_reach_the_syr_darya_via_their_rivers(
    net: RiverNetwork, lon: float, lat: float, river: str, km_range: tuple[float, float]
) -> None:
    reaches = reaches_for_water(net, river)
    snap = snap_to_reaches(net, reaches, np.array([lon]), np.array([lat]), 20_000)
    r = int(snap.reach_index[0])
    assert r >= 0 and path_rivers(net, r)[0] == river
    path = downstream_path(net, r)
    syr = next(int(i) for i in path if net.river_name(int(i)) == "Syr Darya")
    km = (net.distance_to_outlet_m[r] - snap.offset_m[0] - net.distance_to_outlet_m[syr]) / 1000
    assert km_range[0] <= km <= km_range[1]
    assert all(is_schematic(net)[i] for i in path[: path.tolist().index(syr)])
