"""Is a point on a site's downstream path: entry/exit numbers of the upstream tree, built once
per network (``network.index.upstream``) and answered by array comparisons (moved out of
:mod:`hazatlas.geo.paths`, which re-exports them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from hazatlas.geo.network import readonly

if TYPE_CHECKING:
    from hazatlas.geo.network import RiverNetwork


@dataclass(frozen=True)
class UpstreamIntervals:
    """Entry/exit numbers of a depth-first walk of the *upstream* tree.

    Reach ``a`` drains through reach ``b`` (``b`` is on the downstream path of ``a``) iff
    ``tin[b] <= tin[a] < tout[b]`` - a vectorised "is on the path" test.
    """

    tin: np.ndarray
    tout: np.ndarray

    @classmethod
    def build(cls, downstream: np.ndarray) -> UpstreamIntervals:
        n = len(downstream)
        children: list[list[int]] = [[] for _ in range(n)]
        for i, d in enumerate(downstream.tolist()):
            if d >= 0:
                children[d].append(i)
        tin = np.zeros(n, dtype=np.int64)
        tout = np.zeros(n, dtype=np.int64)
        clock = 0
        for root in np.flatnonzero(downstream < 0).tolist():
            stack = [(root, False)]
            while stack:
                node, done = stack.pop()
                if done:
                    tout[node] = clock
                    continue
                tin[node] = clock
                clock += 1
                stack.append((node, True))
                stack.extend((c, False) for c in children[node])
        return cls(readonly(tin), readonly(tout))


def upstream_intervals(network: RiverNetwork) -> tuple[np.ndarray, np.ndarray]:
    """``(tin, tout)`` of :class:`UpstreamIntervals` (``network.index.upstream``)."""
    up = network.index.upstream
    return up.tin, up.tout


def on_path(
    network: RiverNetwork,
    site_reach: np.ndarray,
    site_offset_m: np.ndarray,
    poi_reach: np.ndarray,
    poi_offset_m: np.ndarray,
) -> np.ndarray:
    """Boolean matrix (sites x points): the point lies on the site's downstream path."""
    tin, tout = upstream_intervals(network)
    s = np.asarray(site_reach)[:, None]
    p = np.asarray(poi_reach)[None, :]
    ok = (s >= 0) & (p >= 0)
    s0, p0 = np.maximum(s, 0), np.maximum(p, 0)
    below = (tin[p0] <= tin[s0]) & (tin[s0] < tout[p0])
    same = s0 == p0
    after = np.asarray(poi_offset_m)[None, :] >= np.asarray(site_offset_m)[:, None]
    out: np.ndarray = ok & below & (~same | after)
    return out
