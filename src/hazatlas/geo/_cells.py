"""Fixed lon/lat cells of :data:`CELL_DEG` degrees for answering large batches of points cell
by cell (:func:`hazatlas.geo.borders.countries_at`, :func:`hazatlas.geo.borders.near_land_border`).

A cell is known by an integer key, monotone in longitude and in latitude (floor of the rounded
quotient: for ``x <= x'`` the column of ``x`` is never after that of ``x'``), so that every
point of a lon/lat rectangle has its cell among the cells of the rectangle's corner keys. Sets
of marked cells are boolean arrays indexed by key (about 26 MB for the whole globe).
"""

from __future__ import annotations

import numpy as np

#: Cell size (degrees).
CELL_DEG = 0.05
#: Cell key = column x KEY_ROWS + row: rows 0 to 180 / CELL_DEG (lat 90 included).
KEY_ROWS = 3601
#: Number of keys of points in lon [-180, 180], lat [-90, 90] (columns 0 to 360 / CELL_DEG).
N_KEYS = 7201 * KEY_ROWS


def cell_key(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Key of the cell of each point.

    >>> cell_key(np.array([0.0, 0.049, 0.05]), np.array([0.0, 0.0, 0.0])).tolist()
    [12965400, 12965400, 12969001]
    """
    ix = np.floor((np.asarray(lon) + 180.0) / CELL_DEG).astype(np.int64)
    iy = np.floor((np.asarray(lat) + 90.0) / CELL_DEG).astype(np.int64)
    return ix * KEY_ROWS + iy


def in_range(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Whether each point is a WGS 84 coordinate (its key is then its cell's, below N_KEYS)."""
    out: np.ndarray = (np.abs(lon) <= 180.0) & (np.abs(lat) <= 90.0)
    return out


def rectangle_cells(xy: np.ndarray, half_x: np.ndarray | float, half_y: float) -> np.ndarray:
    """The cells (a boolean array by key) that meet one of the rectangles of half-sides
    ``half_x`` (per point or one for all) and ``half_y`` around the points ``xy`` ((m, 2)
    lon/lat). Rectangles reaching beyond the poles or the antimeridian mark their cells inside
    (and maybe a few more: marking more is always safe)."""
    out = np.zeros(N_KEYS, dtype=bool)
    if len(xy) == 0:
        return out
    hx = np.broadcast_to(np.asarray(half_x, dtype=float), (len(xy),))
    x0 = np.floor((xy[:, 0] - hx + 180.0) / CELL_DEG).astype(np.int64)
    x1 = np.floor((xy[:, 0] + hx + 180.0) / CELL_DEG).astype(np.int64)
    y0 = np.floor((xy[:, 1] - half_y + 90.0) / CELL_DEG).astype(np.int64)
    y1 = np.floor((xy[:, 1] + half_y + 90.0) / CELL_DEG).astype(np.int64)
    for dx in range(int((x1 - x0).max()) + 1):
        for dy in range(int((y1 - y0).max()) + 1):
            ok = (x0 + dx <= x1) & (y0 + dy <= y1)
            cx = np.clip(x0[ok] + dx, 0, N_KEYS // KEY_ROWS - 1)
            cy = np.clip(y0[ok] + dy, 0, KEY_ROWS - 1)
            out[cx * KEY_ROWS + cy] = True
    return out


def marked(cells: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Whether the cell of each key (of a point :func:`in_range`) is marked in ``cells``."""
    out: np.ndarray = cells[keys]
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
