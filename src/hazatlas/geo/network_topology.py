"""Topology of a reach array in O(n log depth): levels (reaches to the outlet) and cycles.

:func:`levels` is what :class:`~hazatlas.geo.network.RiverNetwork` orders its reaches by
(``order``, ``groups``). It counts the reaches from each reach to its outlet by pointer jumping
(each round doubles the jump: ``level += level[jump]``, ``jump = jump[jump]``; Hillis & Steele
1986, "Data parallel algorithms", CACM 29(12)), so a network of a million reaches a thousand
reaches deep takes about eleven vectorised rounds instead of a thousand. The answer is the
same as walking down from every reach (tested against that).
"""

from __future__ import annotations

import numpy as np

from hazatlas.domain.errors import HazatlasError


def levels(downstream: np.ndarray) -> np.ndarray:
    """Number of reaches between each reach and its outlet (0 at an outlet); raises
    :class:`HazatlasError` naming the reaches (by index) of a cycle.

    >>> levels(np.array([1, 2, -1, 2])).tolist()
    [2, 1, 0, 1]
    """
    down = np.asarray(downstream, dtype=np.int64)
    n = len(down)
    level = (down >= 0).astype(np.int64)
    jump = down.copy()
    for _ in range(max(int(n).bit_length(), 1) + 1):
        live = np.flatnonzero(jump >= 0)
        if len(live) == 0:
            return level
        j = jump[live]
        level[live] += level[j]
        jump[live] = jump[j]
    cycle = cycle_members(down)
    raise HazatlasError(
        "the river network has a cycle (next_down never reaches an outlet): reaches "
        f"{', '.join(str(i) for i in cycle[:10])}{' ...' if len(cycle) > 10 else ''}"
    )


def cycle_members(downstream: np.ndarray) -> list[int]:
    """Indices of the reaches of one cycle of ``downstream`` (empty if there is none), in
    flow order."""
    down = np.asarray(downstream, dtype=np.int64)
    n = len(down)
    state = np.zeros(n, dtype=np.int8)  # 0 unseen, 1 on the current walk, 2 done
    for start in range(n):
        if state[start]:
            continue
        walk = []
        i = start
        while i >= 0 and state[i] == 0:
            state[i] = 1
            walk.append(i)
            i = int(down[i])
        if i >= 0 and state[i] == 1:
            return walk[walk.index(i) :]
        state[walk] = 2
    return []
