"""The bundled river network: Natural Earth 1:10m rivers with ``next_down`` topology
(``data/geo/rivers/ne10m_river_network.geojson``, see its SOURCES.md), lengths calibrated to
published river kilometres, lakes, gauged discharges and the main-stem names of
``data/geo/river_names.csv`` (:mod:`hazatlas.geo.river_names`), extended with the schematic
reaches of ``data/geo/schematic_*.csv`` (:mod:`hazatlas.geo.schematic`) after the
calibration and the names, so neither depends on them. The forks of the Danube Delta
(``river_distributaries.csv``, :mod:`hazatlas.geo.distributaries`) mend Natural Earth's
topology there before anything else and give the branches their shares of the discharge.

Natural Earth 1:10m lines are generalised and shorter than the published river kilometres
(Danube about 5 %, Tisza 13 %, Syr Darya 25 %). For each stretch of
``river_length_calibration.csv`` (each row cites its published river-kilometre source) the
sinuosity factor is ``published km / network km`` between its two points, applied to every
reach that the stretch touches; all other reaches keep factor 1 (their lengths are therefore
underestimated). The network is built once with the calibrated lengths and keeps the factors
as ``RiverNetwork.length_factor``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping

import numpy as np
import shapely  # type: ignore[import-untyped]

from hazatlas.domain.errors import HazatlasError
from hazatlas.domain.reference import data_path, load_table
from hazatlas.geo.distributaries import apply_to_features, bundled_branches
from hazatlas.geo.gauges import BUNDLED_SOURCE
from hazatlas.geo.network import RiverNetwork
from hazatlas.geo.river_names import main_stem_names
from hazatlas.geo.schematic import schematic_rivers
from hazatlas.geo.schematic_join import ReachColumns, extend

#: Calibration points given by coordinates are looked for within this distance of their river.
CALIBRATION_SNAP_M = 10_000.0


@functools.cache
def default_network() -> RiverNetwork:
    """The bundled network (built once per process)."""
    from hazatlas.geo.lakes import lake_volumes

    path = data_path("geo", "rivers", "ne10m_river_network.geojson")
    doc = json.loads(path.read_text(encoding="utf-8"))
    feats, branches = apply_to_features(
        [
            (f["properties"], shapely.from_geojson(json.dumps(f["geometry"])))
            for f in doc["features"]
        ],
        bundled_branches(),
    )
    raw = RiverNetwork.from_features(feats, "raw", with_lakes=False, assign=False)
    factor = length_factors(raw)
    attributes = dict(raw.attributes)
    for key in ("name_alt", "basin_outlet", "outlet_type"):
        attributes[key] = tuple(str(p.get(key) or "") for p, _ in feats)
    attributes.update(branches)
    attributes["river"], attributes["river_names"] = main_stem_names(raw, attributes["name_alt"])
    cols = extend(
        ReachColumns(
            raw.reach_id.tolist(), raw.downstream.tolist(), (raw.length_m * factor).tolist(),
            factor.tolist(), list(raw.name), list(raw.geometry),
            {k: list(v) for k, v in attributes.items()},
            {k: v.tolist() for k, v in raw.user_values.items()},
        ),
        schematic_rivers(),
    )  # fmt: skip
    return RiverNetwork(
        np.array(cols.reach_id),
        np.array(cols.downstream),
        np.array(cols.length_m),
        cols.name,
        cols.geometry,
        user_values={k: np.array(v) for k, v in cols.user_values.items()},
        attributes=cols.attributes,
        lake_volume_m3=lake_volumes(cols.geometry),
        length_factor=np.array(cols.length_factor),
        source=BUNDLED_SOURCE,
    )


def _mouth_point(net: RiverNetwork, river: str) -> tuple[int, float]:
    """(reach index, offset) of the confluence where ``river`` ends: start of the downstream
    reach of its last reach."""
    ix = net.reaches_named(river)
    last = [i for i in ix if net.downstream[i] >= 0 and net.name[net.downstream[i]] != river]
    if len(last) != 1:
        raise HazatlasError(f"calibration: cannot locate the mouth of {river!r}")
    return int(net.downstream[last[0]]), 0.0


def _calibration_point(net: RiverNetwork, row: Mapping[str, str], end: str) -> tuple[int, float]:
    """(reach index, offset) of one end of a calibration stretch; (-1, 0) for the outlet."""
    from hazatlas.geo.snapping import snap_to_reaches

    if row[f"{end}_mouth_of"] == "outlet":
        return -1, 0.0
    if row[f"{end}_mouth_of"]:
        return _mouth_point(net, row[f"{end}_mouth_of"])
    named = np.concatenate([net.reaches_named(a) for a in row[f"{end}_names"].split("|")])
    lon, lat = np.array([float(row[f"{end}_lon"])]), np.array([float(row[f"{end}_lat"])])
    snap = snap_to_reaches(net, named, lon, lat, CALIBRATION_SNAP_M)
    if snap.reach_index[0] < 0:
        raise HazatlasError(f"calibration: {row[f'{end}_point']} is not near the network")
    return int(snap.reach_index[0]), float(snap.offset_m[0])


def length_factors(net: RiverNetwork) -> np.ndarray:
    """Sinuosity factor per reach from ``river_length_calibration.csv`` (rule in the module
    doc)."""
    factor = np.ones(len(net))
    dist = net.distance_to_outlet_m
    for row in load_table("river_length_calibration"):
        r0, o0 = _calibration_point(net, row, "from")
        r1, o1 = _calibration_point(net, row, "to")
        path = [r0]
        while net.downstream[path[-1]] >= 0 and path[-1] != r1:
            path.append(int(net.downstream[path[-1]]))
        if r1 >= 0 and path[-1] != r1:
            raise HazatlasError(f"calibration: {row['to_point']} is not below {row['from_point']}")
        d1 = 0.0 if r1 < 0 else float(dist[r1]) - o1
        if r1 >= 0 and o1 == 0.0:
            path = path[:-1]  # a confluence: the stretch ends where the reach starts
        network_km = (float(dist[r0]) - o0 - d1) / 1000.0
        published_km = abs(float(row["from_rkm"]) - float(row["to_rkm"]))
        factor[path] = published_km / network_km
    return factor
