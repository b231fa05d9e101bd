"""The database as the entry points see it: the API, the CLI and the web pages open one
:class:`Database` from their settings, pass it to the services and never reach past them to
storage (an import-linter contract checks it).

``Database`` is the handle (``dialect``, ``current_revision()``, ``migrate()``,
``dispose()``); :data:`ValueOutOfRangeError` is what the database raises for a value its column
type cannot hold, which the API answers as 422.
"""

from __future__ import annotations

from pathlib import Path

from hazatlas.storage.db import Database, ValueOutOfRangeError

__all__ = ["Database", "ValueOutOfRangeError", "open_database"]


def open_database(url: str | Path, *, migrate: bool = False) -> Database:
    """The database at ``url`` (a SQLite file path or a database URL); with ``migrate`` its
    schema is first brought to the newest revision."""
    database = Database(str(url))
    if migrate:
        database.migrate()
    return database
