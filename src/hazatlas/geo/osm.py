"""River reaches from OpenStreetMap waterways (the pure part; the ``.osm.pbf`` file is read by
:mod:`hazatlas.formats.network_files` with pyosmium).

OpenStreetMap draws a waterway way in the direction of the flow (wiki "Key:waterway": "the
direction of the way should be downstream") and joins ways at shared nodes. Rule:

1. The ways tagged ``waterway=river``, ``stream`` or ``canal`` (:data:`WATERWAYS`) are kept.
2. Every way is cut at each of its inner nodes that another way (or the same way again) also
   uses: each piece is a reach, drawn downstream, named by the way's ``name`` tag.
3. A reach flows into the reach that starts at its last node. Where several start there (a
   bifurcation, a canal leaving a river) the one of the same name wins, then the higher rank
   (river, canal, stream), then the lower way id; the others are counted in the notes. A reach
   from whose last node no reach starts is an outlet; a closed way does not flow into itself.
4. A way's last node (its downstream end) that no other way uses but that lies within
   :data:`GAP_M` of another waterway is a *disconnected piece* (two ways that should share a node), reported as an error naming both
   ways; so is a way with fewer than two nodes, and a cycle in the flow direction (by
   :func:`hazatlas.geo.network_build.check`, naming the ways).

Reach ids are numbered 1, 2, ... in the order of the ways and of the pieces along them; each
reach's ``element`` is its OSM way id.
"""

from __future__ import annotations

import numpy as np
import shapely  # type: ignore[import-untyped]

from hazatlas.domain.errors import Problem, ValidationError
from hazatlas.geo.network_build import MAX_LISTED, ReachTable

#: ``waterway`` values kept, by rank (the downstream reach at a bifurcation: highest rank).
WATERWAYS = {"river": 3, "canal": 2, "stream": 1}
#: A loose way end this close to another waterway is a disconnected piece (metres).
GAP_M = 25.0
_M_PER_DEG = 111_195.0


def _gaps(
    source: str,
    way_id: np.ndarray,
    ends: np.ndarray,
    coords: np.ndarray,
    way_of_vertex: np.ndarray,
    offsets: np.ndarray,
    loose: np.ndarray,
) -> list[Problem]:
    """Loose way ends (vertex indices ``ends[loose]``) near another way's line."""
    if not loose.any() or len(way_id) < 2:
        return []
    lines = shapely.linestrings(coords, indices=way_of_vertex)
    pts = shapely.points(coords[ends[loose]])
    tree = shapely.STRtree(lines)
    tol = GAP_M / _M_PER_DEG / max(float(np.cos(np.radians(np.abs(coords[:, 1]).max()))), 0.1)
    pi, li = tree.query(pts, predicate="dwithin", distance=tol)
    own = way_of_vertex[ends[loose]][pi]
    keep = own != li
    pi, li = pi[keep], li[keep]
    if len(pi) == 0:
        return []
    first = np.unique(pi, return_index=True)[1]
    out = []
    for p, w in zip(pi[first][:MAX_LISTED].tolist(), li[first][:MAX_LISTED].tolist(), strict=True):
        a = int(way_id[way_of_vertex[ends[loose][p]]])
        out.append(Problem(source, None, "nodes",
                           f"way {a} ends within {GAP_M:g} m of way {int(way_id[w])} without a "
                           "shared node (a disconnected piece: join the two ways at a node)"))  # fmt: skip
    if len(first) > MAX_LISTED:
        out.append(Problem(source, None, "nodes", f"... and {len(first) - MAX_LISTED} more"))
    return out


def reaches_from_ways(
    source: str,
    way_id: np.ndarray,
    waterway: np.ndarray,
    name: np.ndarray,
    node_ref: np.ndarray,
    coords: np.ndarray,
    offsets: np.ndarray,
) -> ReachTable:
    """The reaches of waterway ways (rule in the module doc). ``node_ref``/``coords`` hold the
    node ids and lon/lat of all ways one after the other, way ``k`` at
    ``offsets[k]:offsets[k + 1]``."""
    rank = np.array([WATERWAYS.get(str(w), 0) for w in waterway], dtype=np.int64)
    keep = rank > 0
    if not keep.any():
        raise ValidationError([Problem(source, None, "waterway",
                                       "no ways tagged waterway=river, stream or canal")])  # fmt: skip
    counts = np.diff(offsets)
    short = np.flatnonzero(keep & (counts < 2))
    if len(short):
        raise ValidationError([Problem(source, None, "nodes",
                                       f"way {int(way_id[k])}: a waterway needs two nodes or more")
                               for k in short[:MAX_LISTED]])  # fmt: skip
    sel = np.flatnonzero(keep)
    vsel = np.concatenate([np.arange(offsets[k], offsets[k + 1]) for k in sel])
    counts = counts[sel]
    way_id, rank, name = way_id[sel], rank[sel], np.asarray(name, dtype=object)[sel]
    node_ref, coords = node_ref[vsel], coords[vsel]
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    way_of = np.repeat(np.arange(len(sel)), counts)
    # 2. cut at shared inner nodes
    uniq, inv, uses = np.unique(node_ref, return_inverse=True, return_counts=True)
    is_start = np.zeros(len(node_ref), dtype=bool)
    is_start[offsets[:-1]] = True
    is_end = np.zeros(len(node_ref), dtype=bool)
    is_end[offsets[1:] - 1] = True
    cut = (uses[inv] >= 2) & ~is_start & ~is_end
    # a reach starts at each way start and at each cut; it ends at the next cut or way end
    starts = np.flatnonzero(is_start | cut)
    ends = np.flatnonzero(is_end | cut)
    # vertices of reach r: starts[r] .. ends[r] (a cut vertex ends one reach, starts the next)
    n = len(starts)
    lengths = ends - starts + 1
    vidx = np.repeat(starts, lengths) + (
        np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    )
    r_offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    r_way = way_of[starts]
    # 3. downstream: the reach starting at the last node
    first_node, last_node = inv[starts], inv[ends]
    same = np.zeros(n, dtype=bool)
    way_end = offsets[1:] - 1  # the downstream end of each way: joined, or an outlet
    problems = _gaps(source, way_id, way_end, coords, way_of, offsets, uses[inv[way_end]] < 2)
    if problems:
        raise ValidationError(problems)
    pref = np.lexsort((way_id[r_way], -rank[r_way], first_node))
    starts_at = first_node[pref]
    pos = np.searchsorted(starts_at, last_node)
    pos_c = np.minimum(pos, n - 1)
    has = starts_at[pos_c] == last_node
    down = np.where(has, pref[pos_c], -1)
    # a closed way (a loop back to its first node) flows on, never into itself
    loop = np.flatnonzero(down == np.arange(n))
    nxt = np.minimum(pos_c[loop] + 1, n - 1)
    down[loop] = np.where(
        (pos_c[loop] + 1 < n) & (starts_at[nxt] == last_node[loop]), pref[nxt], -1
    )
    # same-name preference among several reaches starting at that node
    multi = np.flatnonzero(
        has & (pos_c + 1 < n) & (starts_at[np.minimum(pos_c + 1, n - 1)] == last_node)
    )
    bifurcations = len(multi)
    for r in multi.tolist():
        k = int(pos_c[r])
        while k < n and starts_at[k] == last_node[r]:
            cand = int(pref[k])
            if cand != r and name[r_way[cand]] and name[r_way[cand]] == name[r_way[r]]:
                down[r] = cand
                same[r] = True
                break
            k += 1
    reach_id = np.arange(1, n + 1, dtype=np.int64)
    notes = ((f"{bifurcations} reaches end where several start (bifurcations): each flows into "
              "one (same name, else river before canal before stream, else the lower way id)",)
             if bifurcations else ())  # fmt: skip
    return ReachTable(
        source=source,
        reach_id=reach_id,
        next_down=np.where(down >= 0, down + 1, 0).astype(np.int64),
        coords=coords[vidx],
        offsets=r_offsets,
        name=np.array([str(x or "") for x in name[r_way]], dtype=object),
        length_m=np.full(n, np.nan),
        discharge_m3_s=np.full(n, np.nan),
        element=way_id[r_way].astype(np.int64),
        element_label="way",
        next_down_label="nodes",
        notes=notes,
    )
