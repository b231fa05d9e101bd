"""Countries, land borders and the nearest foreign border (bundled Natural Earth data)."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from hazatlas.geo._geodesy import GEOD
from hazatlas.geo.borders import (
    _border_lines,
    countries_at,
    countries_intersecting,
    country_at,
    load_countries,
    nearest_border,
)


def test_load_countries_keys_and_kosovo() -> None:
    countries = load_countries()
    assert len(countries) == 79
    assert {"ROU", "HUN", "SRB", "KOS", "KGZ", "UZB", "KAZ"} <= set(countries)
    assert countries["HUN"].geom_type in ("Polygon", "MultiPolygon")


@pytest.mark.parametrize(
    ("lon", "lat", "code"),
    [
        (23.58, 47.66, "ROU"),
        (19.04, 47.50, "HUN"),
        (20.46, 44.82, "SRB"),
        (21.17, 42.66, "KOS"),
        (69.24, 41.30, "UZB"),
        (50.0, 42.0, None),
    ],  # last: Caspian Sea
)
def test_country_at(lon: float, lat: float, code: str | None) -> None:
    assert country_at(lon, lat) == code


def test_countries_intersecting_line() -> None:
    line = shapely.LineString([(20.46, 44.82), (22.66, 44.63)])  # Belgrade -> Drobeta
    assert {"SRB", "ROU"} <= set(countries_intersecting(line))
    assert countries_intersecting(shapely.Point(19.04, 47.5)) == ["HUN"]


def _brute_force(lon: float, lat: float, code: str) -> tuple[str, float]:
    """Geodesic distance to every densified vertex of the country's borders (slow, exact-ish)."""
    lines, ca, cb = _border_lines()
    best = (None, np.inf)
    for xy, a, b in zip(lines, ca, cb, strict=True):
        if code not in (a, b):
            continue
        dense = np.asarray(shapely.segmentize(shapely.LineString(xy), 0.002).coords)
        _, _, d = GEOD.inv(
            np.full(len(dense), lon), np.full(len(dense), lat), dense[:, 0], dense[:, 1]
        )
        if d.min() < best[1]:
            best = (b if a == code else a, float(d.min()))
    return best


@pytest.mark.parametrize(
    ("lon", "lat"), [(23.58, 47.66), (22.10, 44.08), (19.04, 47.50), (74.6, 42.87), (37.6, 55.75)]
)
def test_nearest_border_matches_brute_force(lon: float, lat: float) -> None:
    code = country_at(lon, lat)
    nb, d = nearest_border(np.array([lon]), np.array([lat]))
    want_nb, want_d = _brute_force(lon, lat, code)
    assert nb[0] == want_nb
    assert d[0] == pytest.approx(want_d, abs=250.0)  # brute force samples every ~200 m


def test_nearest_border_known_sites() -> None:
    nb, d = nearest_border(np.array([23.58, 22.10]), np.array([47.66, 44.08]))
    assert nb.tolist() == ["UKR", "BGR"]  # Baia Mare, Bor
    assert 30_000 < d[0] < 40_000 and 20_000 < d[1] < 30_000


def test_vectorised_equals_one_by_one() -> None:
    rng = np.random.default_rng(1)
    lon, lat = rng.uniform(15, 30, 60), rng.uniform(42, 50, 60)
    nb, d = nearest_border(lon, lat)
    for i in range(0, 60, 7):
        one_nb, one_d = nearest_border(lon[i : i + 1], lat[i : i + 1])
        assert one_nb[0] == nb[i] and one_d[0] == pytest.approx(d[i])
    assert (countries_at(lon, lat) != nb).all()
