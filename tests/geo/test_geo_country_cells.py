"""The cell look-ups of large batches (borders.countries_at by cells, borders.near_land_border)
give the answers of the point-by-point tests, on points chosen where they could differ: near
coasts and land borders, on cell edges, and on the border lines themselves."""

import numpy as np

from hazatlas.geo import _cells, borders, paths


def _points() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    # random points over Europe and the Black Sea coast
    lon = [rng.uniform(-10.0, 42.0, 60_000)]
    lat = [rng.uniform(35.0, 60.0, 60_000)]
    # on and right beside the land borders
    lines, _, _ = borders._border_lines()
    xy = np.concatenate(lines)
    pick = xy[rng.choice(len(xy), 20_000)]
    lon += [pick[:, 0], pick[:, 0] + rng.normal(0.0, 0.02, len(pick))]
    lat += [pick[:, 1], pick[:, 1] + rng.normal(0.0, 0.02, len(pick))]
    # exactly on cell edges
    edge = np.round(rng.uniform(-10.0, 42.0, 10_000) / _cells.CELL_DEG) * _cells.CELL_DEG
    lon += [edge, rng.uniform(-10.0, 42.0, 10_000)]
    lat += [rng.uniform(35.0, 60.0, 10_000), np.round(rng.uniform(35.0, 60.0, 10_000) / 0.05) * 0.05]
    return np.concatenate(lon), np.concatenate(lat)


def test_countries_by_cells_are_the_point_answers() -> None:
    lon, lat = _points()
    assert len(lon) >= borders.CELLS_MIN
    fast = borders.countries_at(lon, lat)
    slow = borders.countries_at(lon, lat, cells=False)
    assert (fast == slow).all()
    assert (fast == "").any() and len(set(fast.tolist())) > 30  # sea and many countries


def test_far_from_border_cells_are_far() -> None:
    lon, lat = _points()
    near = borders.near_land_border(lon, lat, paths.BORDER_TOLERANCE_M)
    index, _, _ = paths._border_index()
    got = index.query(lon, lat, k=1, max_distance_m=paths.BORDER_TOLERANCE_M)
    within = (got.feature[:, 0] >= 0) & (got.distance_m[:, 0] <= paths.BORDER_TOLERANCE_M)
    assert within.sum() > 10_000
    assert not (within & ~near).any()  # never "far" where a border is within the tolerance
    assert (~near).mean() > 0.5  # and most random points are decided by their cell


def test_nan_points_are_in_no_country() -> None:
    lon = np.concatenate([np.full(3, np.nan), np.full(borders.CELLS_MIN, 23.58)])
    lat = np.concatenate([np.array([1.0, np.nan, np.nan]), np.full(borders.CELLS_MIN, 47.66)])
    out = borders.countries_at(lon, lat)
    assert out[:3].tolist() == ["", "", ""] and (out[3:] == "ROU").all()
    assert borders.near_land_border(lon[:3], lat[:3], 1500.0).all()
