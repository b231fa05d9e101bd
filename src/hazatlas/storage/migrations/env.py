"""Alembic environment: runs on the engine the application passes in (or the configured URL)."""

from alembic import context
from sqlalchemy import create_engine

from hazatlas.storage import (  # noqa: F401 - registers the tables
    damage_tables,
    dialogue_tables,
    exercise_tables,
    notification_tables,
    plan_tables,
    selfassessment_tables,
)
from hazatlas.storage.tables import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine") or create_engine(
        config.get_main_option("sqlalchemy.url") or ""  # "": refused with a clear error
    )
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        context.run_migrations()


run_migrations_online()
