"""Spatial indexes, one per dialect.

SQLite (no SpatiaLite needed): an R*Tree virtual table ``establishment_rtree`` kept in step with
``establishment`` by triggers; points are degenerate boxes.
PostgreSQL: the PostGIS extension, generated ``geom`` columns (Point for establishments,
MultiPolygon/LineString for countries and reaches) and GiST indexes.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_SQLITE_UP = [
    "CREATE VIRTUAL TABLE establishment_rtree USING rtree(rid, min_lon, max_lon, min_lat, max_lat)",
    "CREATE TABLE establishment_rtree_key (rid INTEGER PRIMARY KEY AUTOINCREMENT, "
    "establishment_id VARCHAR(100) NOT NULL UNIQUE "
    "REFERENCES establishment(id) ON DELETE CASCADE)",
    """CREATE TRIGGER establishment_rtree_ins AFTER INSERT ON establishment BEGIN
         INSERT INTO establishment_rtree_key (establishment_id) VALUES (NEW.id);
         INSERT INTO establishment_rtree VALUES (
           (SELECT rid FROM establishment_rtree_key WHERE establishment_id = NEW.id),
           NEW.lon, NEW.lon, NEW.lat, NEW.lat);
       END""",
    """CREATE TRIGGER establishment_rtree_upd AFTER UPDATE OF lon, lat ON establishment BEGIN
         UPDATE establishment_rtree SET min_lon = NEW.lon, max_lon = NEW.lon,
                min_lat = NEW.lat, max_lat = NEW.lat
          WHERE rid = (SELECT rid FROM establishment_rtree_key WHERE establishment_id = NEW.id);
       END""",
    """CREATE TRIGGER establishment_rtree_del AFTER DELETE ON establishment BEGIN
         DELETE FROM establishment_rtree
          WHERE rid = (SELECT rid FROM establishment_rtree_key WHERE establishment_id = OLD.id);
         DELETE FROM establishment_rtree_key WHERE establishment_id = OLD.id;
       END""",
]


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for stmt in _SQLITE_UP:
            op.execute(stmt)
        return
    if bind.dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        op.add_column(
            "establishment",
            sa.Column(
                "geom",
                Geometry("POINT", srid=4326, spatial_index=False),
                sa.Computed("ST_SetSRID(ST_MakePoint(lon, lat), 4326)", persisted=True),
            ),
        )
        op.add_column(
            "country",
            sa.Column(
                "geom",
                Geometry("GEOMETRY", srid=4326, spatial_index=False),
                sa.Computed("ST_SetSRID(ST_GeomFromWKB(geometry_wkb), 4326)", persisted=True),
            ),
        )
        op.add_column(
            "river_reach",
            sa.Column(
                "geom",
                Geometry("GEOMETRY", srid=4326, spatial_index=False),
                sa.Computed("ST_SetSRID(ST_GeomFromWKB(geometry_wkb), 4326)", persisted=True),
            ),
        )
        op.execute("CREATE INDEX ix_establishment_geom ON establishment USING gist (geom)")
        op.execute("CREATE INDEX ix_country_geom ON country USING gist (geom)")
        op.execute("CREATE INDEX ix_river_reach_geom ON river_reach USING gist (geom)")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for name in (
            "establishment_rtree_ins",
            "establishment_rtree_upd",
            "establishment_rtree_del",
        ):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS establishment_rtree")
        op.execute("DROP TABLE IF EXISTS establishment_rtree_key")
    elif bind.dialect.name == "postgresql":
        for table in ("establishment", "country", "river_reach"):
            op.execute(f"DROP INDEX IF EXISTS ix_{table}_geom")
            op.drop_column(table, "geom")
