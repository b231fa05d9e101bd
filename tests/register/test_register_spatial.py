"""Spatial queries give the same answers on SQLite (R*Tree + shapely) and PostGIS."""

from __future__ import annotations

import random

import numpy as np
import pytest
from pyproj import Geod

from hazatlas.domain.access import SYSTEM
from hazatlas.domain.errors import ValidationError
from hazatlas.domain.establishment import Establishment
from hazatlas.storage import repositories as repo
from hazatlas.storage import spatial
from hazatlas.storage.spatial import BBox

GEOD = Geod(ellps="WGS84")


def _points(n: int = 300, seed: int = 7) -> list[Establishment]:
    rng = random.Random(seed)
    # a box inside Serbia's bounding box; country is irrelevant to these queries
    return [Establishment(id=f"P{i:04d}", name=f"p{i}", country_iso3="SRB",
                          lon=round(rng.uniform(19.0, 22.5), 5), lat=round(rng.uniform(42.5, 46.0), 5))
            for i in range(n)]


@pytest.fixture
def filled(db):
    pts = _points()
    with db.transaction() as s:
        repo.upsert_many(s, pts, actor=SYSTEM.username)
    return db, pts


@pytest.mark.parametrize("box", [(19.5, 43.0, 20.5, 44.0), (21.0, 42.5, 22.5, 46.0), (0, 0, 1, 1)])
def test_bbox_matches_brute_force(filled, box):
    db, pts = filled
    expected = sorted(p.id for p in pts if box[0] <= p.lon <= box[2] and box[1] <= p.lat <= box[3])
    with db.transaction() as s:
        ids, total = repo.query_ids(s, repo.Query(bbox=BBox(*box), limit=10_000))
    assert ids == expected and total == len(expected)


def test_bbox_edges_are_inclusive(filled):
    db, pts = filled
    p = pts[0]
    with db.transaction() as s:
        ids, _ = repo.query_ids(s, repo.Query(bbox=BBox(p.lon, p.lat, p.lon, p.lat)))
    assert ids == [p.id]


def test_updates_move_points_in_the_index(filled):
    db, pts = filled
    moved = Establishment(id=pts[0].id, name="moved", country_iso3="SRB", lon=21.99, lat=45.99)
    with db.transaction() as s:
        repo.upsert_many(s, [moved], actor="t")
        ids, _ = repo.query_ids(s, repo.Query(bbox=BBox(21.98, 45.98, 22.0, 46.0)))
    assert pts[0].id in ids


@pytest.mark.parametrize(("lon", "lat"), [(20.4, 44.8), (19.0, 42.5), (25.0, 50.0)])
def test_nearest_matches_brute_force_geodesic(filled, lon, lat):
    db, pts = filled
    lons = np.array([p.lon for p in pts])
    lats = np.array([p.lat for p in pts])
    _, _, d = GEOD.inv(np.full_like(lons, lon), np.full_like(lats, lat), lons, lats)
    expected = [pts[i].id for i in np.argsort(d)[:5]]
    with db.transaction() as s:
        got = spatial.nearest(s, lon, lat, k=5)
    assert [g[0] for g in got] == expected
    assert got[0][1] == pytest.approx(float(np.sort(d)[0]), rel=1e-9)


def test_within_country_uses_the_polygon(db):
    # Two points in the bounding box of Serbia: Belgrade (in) and Timisoara (Romania, out)
    pts = [Establishment(id="IN", name="Belgrade", country_iso3="SRB", lon=20.46, lat=44.81),
           Establishment(id="OUT", name="Timisoara", country_iso3="SRB", lon=21.23, lat=45.75)]
    with db.transaction() as s:
        repo.upsert_many(s, pts, actor="t")
        assert spatial.ids_within_country(s, "SRB") == ["IN"]
        assert spatial.ids_within_country(s, "ROU") == ["OUT"]


def test_bbox_parse_errors():
    with pytest.raises(ValidationError, match="is not min_lon,min_lat,max_lon,max_lat"):
        BBox.parse("1,2,3")
    with pytest.raises(ValidationError, match="must satisfy"):
        BBox.parse("5,0,1,1")
