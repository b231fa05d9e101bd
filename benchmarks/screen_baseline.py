"""The baseline side of ``benchmarks/screen.py`` (GeoPandas + networkx, the straightforward
way): what it does is described in that script's docstring, which runs it in a child process.
"""

from __future__ import annotations

import time
import warnings
from typing import Any

import numpy as np

AEQD = "+proj=aeqd +lat_0=45 +lon_0=35 +datum=WGS84 +units=m"
FLOWS = ("low", "mean", "high")


class Baseline:
    """Set-up of the straightforward implementation (everything that does not depend on sites)."""

    def __init__(self) -> None:
        import geopandas as gpd
        import networkx as nx
        import shapely

        from hazatlas.domain.reference import data_path
        from hazatlas.geo.network import RiverNetwork

        self.gpd, self.nx, self.shapely = gpd, nx, shapely
        net = self.net = RiverNetwork.load_default()
        bounds = data_path("geo", "boundaries")
        self.countries = gpd.read_file(bounds / "ne10m_admin0_countries_region.geojson")[
            ["adm0_a3", "geometry"]
        ]
        lines = gpd.read_file(bounds / "land_borders_derived.geojson").explode(index_parts=False)
        both = [
            lines.rename(columns={"adm0_a3_a": "own", "adm0_a3_b": "neighbour"}),
            lines.rename(columns={"adm0_a3_b": "own", "adm0_a3_a": "neighbour"}),
        ]
        borders = gpd.GeoDataFrame(
            gpd.pd.concat([b[["own", "neighbour", "geometry"]] for b in both], ignore_index=True),
            crs=lines.crs,
        ).to_crs(AEQD)
        self.borders = {c: g.reset_index(drop=True) for c, g in borders.groupby("own")}
        self.reaches = gpd.GeoDataFrame(
            {"reach": np.arange(len(net))}, geometry=list(net.geometry), crs="EPSG:4326"
        ).to_crs(AEQD)
        # countries along each reach, from points every 1 km (projected), in order
        geom = self.reaches.geometry.to_numpy()
        length = shapely.length(geom)
        counts = np.maximum(np.ceil(length / 1000.0).astype(int), 1) + 1
        owner = np.repeat(np.arange(len(net)), counts)
        frac = np.concatenate([np.linspace(0.0, 1.0, c) for c in counts])
        pts = gpd.GeoDataFrame(
            {"reach": owner, "frac": frac},
            geometry=shapely.line_interpolate_point(geom[owner], frac, normalized=True),
            crs=AEQD,
        ).to_crs("EPSG:4326")
        hit = gpd.sjoin(pts, self.countries, predicate="within", how="left")
        hit = hit[~hit.index.duplicated()]
        self.samples: list[list[tuple[float, str]]] = [[] for _ in range(len(net))]
        for r, f, c in zip(hit["reach"], hit["frac"], hit["adm0_a3"], strict=True):
            if isinstance(c, str):
                self.samples[r].append((f, c))
        self.graph = nx.DiGraph()
        self.graph.add_nodes_from(range(len(net)))
        self.graph.add_edges_from((i, int(d)) for i, d in enumerate(net.downstream) if d >= 0)
        self.velocity = {f: np.maximum(net.hydraulics(f).velocity_m_s, 1e-9) for f in FLOWS}
        from pyproj import Geod, Transformer

        self.geod = Geod(ellps="WGS84")
        self.unproject = Transformer.from_crs(AEQD, "EPSG:4326", always_xy=True)
        from hazatlas.services.screen_indices import default_indices

        self.indices = default_indices

    def screen(self, items: list[Any]) -> list[dict[str, Any]]:
        gpd, shapely, net = self.gpd, self.shapely, self.net
        self.stages: dict[str, float] = {}
        clock = [time.perf_counter()]

        def lap(stage: str) -> None:
            now = time.perf_counter()
            self.stages[stage], clock[0] = now - clock[0], now

        n = len(items)
        lon = np.array([s.lon for s in items])
        lat = np.array([s.lat for s in items])
        given = np.array([s.country_iso3 or "" for s in items], dtype="<U3")
        pts = gpd.GeoDataFrame(
            {"i": np.arange(n)}, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326"
        )
        # country: the given one, else the polygon containing the point, else the nearest
        country = given.copy()
        need = country == ""
        if need.any():
            inside = gpd.sjoin(pts[need], self.countries, predicate="within", how="left")
            inside = inside[~inside.index.duplicated()]
            country[inside.index.to_numpy()] = inside["adm0_a3"].fillna("").to_numpy()
            sea = country == ""
            if sea.any():
                with warnings.catch_warnings():  # planar degrees, as hazatlas defines it
                    warnings.simplefilter("ignore", UserWarning)
                    near = gpd.sjoin_nearest(pts[sea], self.countries)
                near = near[~near.index.duplicated()]
                country[near.index.to_numpy()] = near["adm0_a3"].to_numpy()
        lap("countries")
        proj = pts.to_crs(AEQD)
        # nearest land border of the site's country
        nb_country = np.full(n, "", dtype="<U3")
        nb_m = np.full(n, np.nan)
        for code in np.unique(country):
            lines = self.borders.get(str(code))
            if lines is None:
                continue
            rows = np.flatnonzero(country == code)
            hit = gpd.sjoin_nearest(proj.iloc[rows], lines)
            hit = hit[~hit.index.duplicated()]
            idx = hit.index.to_numpy()
            near_pt = shapely.get_point(
                shapely.shortest_line(
                    lines.geometry.to_numpy()[hit["index_right"].to_numpy()],
                    proj.geometry.to_numpy()[idx],
                ),
                0,
            )
            x, y = self.unproject.transform(shapely.get_x(near_pt), shapely.get_y(near_pt))
            _, _, d = self.geod.inv(lon[idx], lat[idx], x, y)
            nb_country[idx] = hit["neighbour"].to_numpy()
            nb_m[idx] = d
        lap("nearest_border")
        # nearest reach within 20 km
        reach = np.full(n, -1)
        snap_m = np.full(n, np.nan)
        frac = np.zeros(n)
        hit = gpd.sjoin_nearest(proj, self.reaches, max_distance=20_000.0, distance_col="d")
        hit = hit[~hit.index.duplicated()]
        idx = hit.index.to_numpy()
        reach[idx] = hit["reach"].to_numpy()
        snap_m[idx] = hit["d"].to_numpy()
        geom = self.reaches.geometry.to_numpy()
        frac[idx] = shapely.line_locate_point(
            geom[reach[idx]], proj.geometry.to_numpy()[idx], normalized=True
        )
        lap("snapping")
        # downstream walk per site, indices and result objects
        out = []
        length = net.length_m
        for i, s in enumerate(items):
            r = int(reach[i])
            downstream, outlet = [], None
            if r >= 0:
                seen = {country[i]}
                dist = -frac[i] * length[r]
                times = {f: dist / self.velocity[f][r] for f in FLOWS}
                for q in self.nx.dfs_preorder_nodes(self.graph, r):
                    for f, c in self.samples[q]:
                        if c in seen or (q == r and f < frac[i]):
                            continue
                        seen.add(c)
                        at = {
                            k: max(times[k] + f * length[q] / self.velocity[k][q], 0.0)
                            for k in FLOWS
                        }
                        downstream.append({
                            "country": c,
                            "river_km": round(float(max(dist + f * length[q], 0.0)) / 1000, 3),
                            "travel_time_h": {k: round(float(v) / 3600, 3) for k, v in at.items()},
                        })  # fmt: skip
                    dist += length[q]
                    for k in FLOWS:
                        times[k] += length[q] / self.velocity[k][q]
                outlet = {
                    "river_km": round(float(dist) / 1000, 3),
                    "travel_time_h": {k: round(float(v) / 3600, 3) for k, v in times.items()},
                }
            idx_values = self.indices(s) if hasattr(s, "inventory") else {}
            nb = str(nb_country[i])
            out.append({
                "establishment_id": s.id, "lon": s.lon, "lat": s.lat, "country": str(country[i]),
                "nearest_border": {"country": nb or None,
                                   "distance_km": round(float(nb_m[i]) / 1000, 3) if nb else None},
                "location_flags": [f for f, on in (("LC-AIR", bool(nb) and nb_m[i] <= 15_000),
                                                   ("LC-WATER", bool(downstream))) if on],
                "reach_id": int(net.reach_id[r]) if r >= 0 else None,
                "snap": {"distance_km": round(float(snap_m[i]) / 1000, 3) if r >= 0 else None},
                "downstream": downstream, "outlet": outlet,
                "wri": idx_values.get("wri"), "thi": idx_values.get("thi"),
            })  # fmt: skip
        lap("downstream, indices, results")
        return out


def run_baseline(items: list[Any]) -> tuple[list[dict[str, Any]], dict[str, float]]:
    base = Baseline()
    t, c = time.perf_counter(), time.process_time()
    results = base.screen(items)
    return results, {"screening": time.perf_counter() - t, "cpu": time.process_time() - c,
                     "stages": base.stages}  # fmt: skip


if __name__ == "__main__":
    print("the baseline side of benchmarks/screen.py: run that script")
