"""Fixed lon/lat cells of :data:`CELL_DEG` degrees for answering large batches of points cell
by cell (:func:`hazatlas.geo.borders.countries_at`, :func:`hazatlas.geo.borders.near_land_border`).

A cell is known by an integer key, monotone in longitude and in latitude (floor of the rounded
quotient: for ``x <= x'`` the column of ``x`` is never after that of ``x'``), so that every
point of a lon/lat rectangle has its cell among the cells of the rectangle's corner keys. Sets
of marked cells are sorted key arrays, looked up with a binary search (no sort of the points).
"""

from __future__ import annotations

import numpy as np

#: Cell size (degrees).
CELL_DEG = 0.05
#: Cell key = column x KEY_ROWS + row (more rows than 180 / CELL_DEG).
KEY_ROWS = 10_000


def cell_key(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Key of the cell of each point.

    >>> cell_key(np.array([0.0, 0.049, 0.05]), np.array([0.0, 0.0, 0.0])).tolist()
    [36001800, 36001800, 36011800]
    """
    ix = np.floor((np.asarray(lon) + 180.0) / CELL_DEG).astype(np.int64)
    iy = np.floor((np.asarray(lat) + 90.0) / CELL_DEG).astype(np.int64)
    return ix * KEY_ROWS + iy


def rectangle_cells(xy: np.ndarray, half_x: np.ndarray | float, half_y: float) -> np.ndarray:
    """Sorted keys of every cell that meets one of the rectangles of half-sides ``half_x`` (per
    point or one for all) and ``half_y`` around the points ``xy`` ((m, 2) lon/lat)."""
    if len(xy) == 0:
        return np.zeros(0, dtype=np.int64)
    hx = np.broadcast_to(np.asarray(half_x, dtype=float), (len(xy),))
    lo = cell_key(xy[:, 0] - hx, xy[:, 1] - half_y)
    hi = cell_key(xy[:, 0] + hx, xy[:, 1] + half_y)
    x0, y0 = lo // KEY_ROWS, lo % KEY_ROWS
    x1, y1 = hi // KEY_ROWS, hi % KEY_ROWS
    keys = []
    for dx in range(int((x1 - x0).max()) + 1):
        for dy in range(int((y1 - y0).max()) + 1):
            ok = (x0 + dx <= x1) & (y0 + dy <= y1)
            keys.append((x0[ok] + dx) * KEY_ROWS + (y0[ok] + dy))
    return np.unique(np.concatenate(keys))


def marked(cells: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Whether each key is in the sorted array ``cells``.

    >>> marked(np.array([3, 8]), np.array([1, 3, 5, 8, 9])).tolist()
    [False, True, False, True, False]
    """
    if len(cells) == 0:
        return np.zeros(len(keys), dtype=bool)
    at = np.minimum(np.searchsorted(cells, keys), len(cells) - 1)
    out: np.ndarray = cells[at] == keys
    return out


def distinct(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(a position of each distinct key, the distinct key of each position): ``np.unique``
    with ``return_index`` and ``return_inverse``, over the runs of equal consecutive keys
    (points along lines come in runs of the same cell: fewer keys to sort).

    >>> [a.tolist() for a in distinct(np.array([5, 5, 3, 3, 5]))]
    [[2, 0], [1, 1, 0, 0, 1]]
    """
    if len(keys) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    starts = np.concatenate([[0], np.flatnonzero(keys[1:] != keys[:-1]) + 1])
    _, first_run, inv_run = np.unique(keys[starts], return_index=True, return_inverse=True)
    inv = np.repeat(inv_run.reshape(-1), np.diff(np.append(starts, len(keys))))
    return starts[first_run], inv
