"""The corridor drawn around a river stretch or a runout path: it holds every point within the
buffer of the line (also after the line is simplified to fit the point budget), it is a closed
CAP ring, and the sector of a plume zone reaches its radius in the wind's direction."""

from __future__ import annotations

import math

from pyproj import Geod
from shapely.geometry import LineString, Point, Polygon

from hazatlas.formats.scenario_report import corridor_ring, sector_ring

GEOD = Geod(ellps="WGS84")


def _wiggly(n: int) -> list[tuple[float, float]]:
    """A meandering line of ``n`` points over about 300 km at 46-47 N."""
    return [(20.0 + 4.0 * i / n, 46.0 + 0.5 * math.sin(i / 7.0) + 0.02 * math.sin(i)) for i in range(n)]


def test_corridor_holds_every_point_within_the_buffer():
    line = _wiggly(3000)
    ring = corridor_ring(line, 500.0, max_points=200)
    assert ring[0] == ring[-1] and 4 <= len(ring) <= 200
    poly = Polygon(ring)
    for lon, lat in line[::37]:
        assert poly.covers(Point(lon, lat))
        for az in (0.0, 90.0, 180.0, 270.0):  # 450 m away in the four directions
            x, y, _ = GEOD.fwd(lon, lat, az, 450.0)
            assert poly.covers(Point(x, y)), (lon, lat, az)


def test_corridor_is_not_much_wider_than_asked():
    line = [(21.0, 45.0), (21.5, 45.0)]
    ring = corridor_ring(line, 500.0)
    x, y, _ = GEOD.fwd(21.25, 45.0, 0.0, 700.0)
    assert not Polygon(ring).covers(Point(x, y))
    assert LineString(line).within(Polygon(ring))


def test_sector_points_downwind():
    ring = sector_ring(23.5, 47.7, 5000.0, toward_deg=90.0, half_angle_deg=20.0)
    poly = Polygon(ring)
    east, _, _ = GEOD.fwd(23.5, 47.7, 90.0, 4000.0)[:3]
    west = GEOD.fwd(23.5, 47.7, 270.0, 4000.0)
    assert poly.covers(Point(east, 47.7)) and not poly.covers(Point(west[0], west[1]))
