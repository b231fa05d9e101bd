"""A synthetic dendritic river network of any size, shaped like HydroRIVERS, for tests and
``benchmarks/network_build.py``. Not real data: every result on it is synthetic.

How it is made (deterministic for a seed):

1. **Main stems**: every reach of the bundled Natural Earth network (or of those inside
   ``bbox``) is cut into pieces of equal length, ``MAIN_SHARE`` of the reaches in all. A piece
   keeps its reach's name, the bundled mean discharge of the reach (``DIS_AV_CMS``) and its
   length times the bundled sinuosity factor (``LENGTH_KM``), so that river distances and
   mean-flow travel times along the main stems are those of the bundled network.
2. **Tributaries**: trees grown upstream from the start of the pieces, generation by
   generation (a Galton-Watson process: each reach has two upstream reaches with probability
   ``BRANCHING``, else it is a headwater; new trees start when all have stopped), until the
   requested number of reaches. A reach is 1-3 km long, drawn from its upstream end to the
   junction, turning up to 45 degrees from the reach below. Its discharge is the length of
   river above its end times the median residual specific discharge of the bundled gauges.

The columns are HydroRIVERS v1.0's (Lehner & Grill 2013; HydroRIVERS Technical Documentation
v1.0, 2019): ``HYRIV_ID``, ``NEXT_DOWN`` (0 at an outlet), ``MAIN_RIV`` (the outlet reach),
``LENGTH_KM``, ``DIST_DN_KM``, ``DIST_UP_KM``, ``DIS_AV_CMS``, plus ``name`` (HydroRIVERS has
no names). Main-stem pieces are marked by ``element`` = the bundled reach id they come from
(0 for tributaries), which the benchmark uses to compare answers with the bundled network.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hazatlas.domain.errors import HazatlasError
from hazatlas.geo.network_build import ReachTable, geodesic_lengths
from hazatlas.geo.network_topology import levels

#: Share of the reaches that are main-stem pieces.
MAIN_SHARE = 0.05
#: Probability that a tributary reach has two upstream reaches (just below critical: finite
#: trees of about 1 / (1 - 2p) = 25 reaches on average, heavy-tailed).
BRANCHING = 0.48
#: First HYRIV_ID (HydroRIVERS Europe numbers its reaches from 20 000 001).
FIRST_ID = 20_000_001
_KM_PER_DEG = 111.195


def _pieces(coords: np.ndarray, parts: int) -> list[np.ndarray]:
    """``coords`` cut into ``parts`` lines of equal planar length (shared end points)."""
    if parts <= 1:
        return [coords]
    seg = np.hypot(
        np.diff(coords[:, 0]) * np.cos(np.radians(coords[:-1, 1])), np.diff(coords[:, 1])
    )
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    cuts = np.linspace(0.0, cum[-1], parts + 1)
    px = np.interp(cuts, cum, coords[:, 0])
    py = np.interp(cuts, cum, coords[:, 1])
    out = []
    for k in range(parts):
        inner = (cum > cuts[k]) & (cum < cuts[k + 1])
        out.append(np.vstack([[px[k], py[k]], coords[inner], [px[k + 1], py[k + 1]]]))
    return out


def _main_stems(size: int, bbox: tuple[float, float, float, float] | None) -> dict[str, list[Any]]:
    from hazatlas.geo.bundled import default_network

    net = default_network()
    keep = np.ones(len(net), dtype=bool)
    if bbox is not None:
        b = np.array([g.bounds for g in net.geometry])
        keep = (
            (b[:, 0] >= bbox[0])
            & (b[:, 1] >= bbox[1])
            & (b[:, 2] <= bbox[2])
            & (b[:, 3] <= bbox[3])
        )
    base = np.flatnonzero(keep)
    if len(base) == 0:
        raise HazatlasError(f"no bundled reach lies inside bbox {bbox}")
    raw_km = net.length_m[base] / net.length_factor[base] / 1000.0
    piece_km = max(raw_km.sum() / max(size * MAIN_SHARE, 1.0), 1.0)
    parts = np.maximum(np.round(raw_km / piece_km).astype(int), 1)
    q = net.discharge("mean")
    first_piece = {}
    out: dict[str, list[Any]] = {
        k: [] for k in ("coords", "name", "q", "factor", "base", "down_base")
    }
    for r, p in zip(base.tolist(), parts.tolist(), strict=True):
        first_piece[r] = len(out["coords"])
        for k, piece in enumerate(_pieces(np.asarray(net.geometry[r].coords)[:, :2], p)):
            out["coords"].append(piece)
            out["name"].append(net.name[r])
            out["q"].append(float(q[r]))
            out["factor"].append(float(net.length_factor[r]))
            out["base"].append(int(net.reach_id[r]))
            last = k == p - 1
            d = int(net.downstream[r])
            out["down_base"].append((d if last and d >= 0 and keep[d] else -2) if last else -1)
    # the downstream piece of each piece, and its last vertex moved onto the junction
    down = []
    for i, d in enumerate(out["down_base"]):
        if d == -1:
            down.append(i + 1)
        elif d == -2:
            down.append(-1)
        else:
            j = first_piece[d]
            out["coords"][i] = out["coords"][i].copy()
            out["coords"][i][-1] = out["coords"][j][0]
            down.append(j)
    out["down"] = down
    return out


def _tributaries(
    rng: np.random.Generator, junction: np.ndarray, heading: np.ndarray, budget: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Grow trees upstream; returns, per new reach, its downstream (negative: -1 - piece
    index of the main stem it joins; else index among the new reaches) and its 3 vertices."""
    down_list, verts_list = [], []
    made = 0
    while made < budget:
        roots = min(max(budget // 25, 1), budget - made)
        piece = rng.integers(0, len(junction), roots)
        side = rng.choice([-1.0, 1.0], roots)
        f_down = -1 - piece
        f_xy = junction[piece]
        f_dir = heading[piece] + side * np.pi / 2 + rng.uniform(-0.4, 0.4, roots)
        while len(f_down) and made < budget:
            k = min(len(f_down), budget - made)
            f_down, f_xy, f_dir = f_down[:k], f_xy[:k], f_dir[:k]
            step_km = rng.uniform(1.0, 3.0, k)
            coslat = np.cos(np.radians(f_xy[:, 1]))
            d = (
                np.column_stack([np.cos(f_dir) / coslat, np.sin(f_dir)])
                * (step_km / _KM_PER_DEG)[:, None]
            )
            up = f_xy + d
            mid = f_xy + d / 2 + rng.normal(0, 0.08, (k, 1)) * d[:, ::-1] * np.array([1, -1])
            verts_list.append(np.stack([up, mid, f_xy], axis=1))
            down_list.append(f_down)
            ids = np.arange(made, made + k)
            made += k
            branch = rng.random(k) < BRANCHING
            b = np.flatnonzero(branch)
            turn = rng.uniform(0.2, 0.8, (len(b), 2)) * np.array([1.0, -1.0])
            f_down = np.repeat(ids[b], 2)
            f_xy = np.repeat(up[b], 2, axis=0)
            f_dir = (f_dir[b][:, None] + turn).ravel()
    down = np.concatenate(down_list) if down_list else np.zeros(0, dtype=np.int64)
    verts = np.concatenate(verts_list) if verts_list else np.zeros((0, 3, 2))
    return down.astype(np.int64), verts, np.zeros(0)


def synthetic_network(
    size: int, seed: int = 1, bbox: tuple[float, float, float, float] | None = None
) -> ReachTable:
    """A synthetic dendritic network of ``size`` reaches (see the module doc)."""
    from hazatlas.geo.gauges import default_specific_discharge

    rng = np.random.default_rng(seed)
    main = _main_stems(size, bbox)
    n_main = len(main["coords"])
    if size < n_main:
        raise HazatlasError(f"--size {size}: at least {n_main} reaches (the main stems) needed")
    junction = np.array([c[0] for c in main["coords"]])
    head = np.array([c[1] - c[0] for c in main["coords"]])
    heading = np.arctan2(head[:, 1], head[:, 0] * np.cos(np.radians(junction[:, 1])))
    t_down, t_verts, _ = _tributaries(rng, junction, heading, size - n_main)
    n = n_main + len(t_down)
    down = np.concatenate([np.array(main["down"], dtype=np.int64),
                           np.where(t_down < 0, -1 - t_down, t_down + n_main)])  # fmt: skip
    counts = np.concatenate([[len(c) for c in main["coords"]], np.full(len(t_down), 3)])
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    coords = np.concatenate([*main["coords"], t_verts.reshape(-1, 2)]) if n else np.zeros((0, 2))
    geo_len = geodesic_lengths(coords, offsets)
    length = geo_len.copy()
    length[:n_main] *= np.array(main["factor"])
    # discharge of tributaries: river length above the reach's end times the specific discharge
    up = length.copy()
    up[:n_main] = 0.0
    trib = np.arange(n_main, n)
    lv = levels(down)[trib]
    by_level = trib[np.argsort(-lv, kind="stable")]
    for idx in np.split(by_level, np.flatnonzero(np.diff(-lv[np.argsort(-lv, kind="stable")])) + 1):
        d = down[idx]
        inner = d >= n_main
        np.add.at(up, d[inner], up[idx[inner]])
    q = up * default_specific_discharge()
    q[:n_main] = main["q"]
    reach_id = FIRST_ID + np.arange(n, dtype=np.int64)
    name = np.array([*main["name"], *([""] * len(t_down))], dtype=object)
    element = np.concatenate(
        [np.array(main["base"], dtype=np.int64), np.zeros(len(t_down), dtype=np.int64)]
    )
    return ReachTable(
        source=f"synthetic network (size {size}, seed {seed})",
        reach_id=reach_id,
        next_down=np.where(down >= 0, reach_id[np.maximum(down, 0)], 0),
        coords=coords,
        offsets=offsets,
        name=name,
        length_m=length,
        discharge_m3_s=q,
        element=element,
        element_label="HYRIV_ID",
        next_down_label="NEXT_DOWN",
    )


def hydrorivers_columns(table: ReachTable) -> dict[str, np.ndarray]:
    """The HydroRIVERS attribute columns of a table (``DIST_DN_KM``: to the outlet from the
    reach's end; ``DIST_UP_KM``: the longest path above its start; ``MAIN_RIV``: the outlet)."""
    from hazatlas.geo.network_build import downstream_index

    down, _ = downstream_index(table)
    n = len(down)
    lv = levels(down)
    order = np.argsort(lv, kind="stable")  # outlets first
    length_km = table.length_m / 1000.0
    dist_dn = np.zeros(n)
    main = np.arange(n)
    for i in order.tolist():
        d = down[i]
        if d >= 0:
            dist_dn[i] = dist_dn[d] + length_km[d]
            main[i] = main[d]
    dist_up = np.zeros(n)
    for i in order[::-1].tolist():
        d = down[i]
        if d >= 0:
            dist_up[d] = max(dist_up[d], dist_up[i] + length_km[i])
    return {
        "HYRIV_ID": table.reach_id,
        "NEXT_DOWN": table.next_down,
        "MAIN_RIV": table.reach_id[main],
        "LENGTH_KM": np.round(length_km, 3),
        "DIST_DN_KM": np.round(dist_dn, 3),
        "DIST_UP_KM": np.round(dist_up, 3),
        "DIS_AV_CMS": np.round(table.discharge_m3_s, 3),
        "name": table.name,
        "BASE_ID": table.element,
    }
