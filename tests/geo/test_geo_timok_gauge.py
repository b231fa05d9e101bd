"""The Timok gauge (issue 14 item 5): the mean discharge at the mouth, 31 m³/s (confirmed through
two encyclopaedias, ``river_gauges.csv``), sits on the last Timok reach above the Danube, and
the plausibility check flags nothing on the Timok."""

from __future__ import annotations

import pytest

from hazatlas.domain.reference import load_table
from hazatlas.geo.network import RiverNetwork
from hazatlas.geo.plausibility import check_network


def test_the_timok_gauge_is_sourced_and_placed_at_the_mouth() -> None:
    row = next(r for r in load_table("river_gauges") if r["river"] == "Timok")
    assert row["status"].startswith("confirmed") and "eeo" in row["source"]
    assert float(row["mean_m3_s"]) == 31.0  # EEO 'Timok (Fluss)'; Wikipedia 'Timok' infobox
    net = RiverNetwork.load_default()
    d = net.discharges
    assert d is not None
    timok = [int(i) for i in d.gauge_index if "Timok" in net.name[i]]
    assert len(timok) == 1
    i = timok[0]
    assert net.name[net.downstream[i]] == "Danube"  # the reach that ends at the Danube
    assert net.discharge("mean")[i] == pytest.approx(31.0)
    q = [float(net.discharge(f)[i]) for f in ("low", "mean", "high")]
    assert q[0] < q[1] < q[2]
    timok_reaches = set(net.reaches_matching("Timok").tolist())
    assert not [f for f in check_network(net) if f.index in timok_reaches]
