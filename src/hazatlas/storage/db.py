"""Database connection: the embedded SQLite default or PostgreSQL/PostGIS.

``HAZATLAS_DATABASE_URL`` (or ``--db``) chooses the database: a SQLite file path, a
``sqlite:///`` URL or a ``postgresql+psycopg://`` URL. Nothing is created at import time; the
entry point builds one :class:`Database` from its settings and passes it down.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DataError
from sqlalchemy.orm import Session, sessionmaker

#: Raised by the database for a value its column type cannot hold (PostgreSQL: an INTEGER
#: compared with a number beyond 32 bits).
ValueOutOfRangeError = DataError

DEFAULT_SQLITE_PATH = Path("var") / "hazatlas.sqlite"


def normalise_url(url_or_path: str | Path) -> str:
    """Turn a file path or a URL into an SQLAlchemy URL.

    >>> normalise_url("data/x.sqlite")
    'sqlite:///data/x.sqlite'
    >>> normalise_url("postgresql://u@h/db")
    'postgresql+psycopg://u@h/db'
    """
    text = str(url_or_path)
    if text.startswith("postgresql://") or text.startswith("postgres://"):
        return "postgresql+psycopg://" + text.split("://", 1)[1]
    if "://" in text:
        return text
    return f"sqlite:///{text}"


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # pragma: no cover - trivial
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


@dataclass
class Database:
    """One database: its engine and session factory."""

    url: str
    engine: Engine = field(init=False)
    sessions: sessionmaker[Session] = field(init=False)

    def __post_init__(self) -> None:
        self.url = normalise_url(self.url)
        if self.url.startswith("sqlite"):
            path = self.url.removeprefix("sqlite:///")
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            self.engine = create_engine(self.url)
            event.listen(self.engine, "connect", _sqlite_pragmas)
        else:
            self.engine = create_engine(self.url, pool_pre_ping=True)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on any error."""
        with self.sessions() as session, session.begin():
            yield session

    def joined(self, session: Session) -> Database:
        """This database as seen from inside ``session``'s open transaction: its
        :meth:`transaction` yields ``session`` itself and neither commits nor rolls back, so a
        use case given it writes in the caller's transaction, committed or rolled back with the
        rest (an exercise's release and the outbox rows of the message it sends,
        ``services/exercises/play.py``)."""
        return _Joined(self, session)

    def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision (creates it in an empty database)."""
        from alembic import command

        command.upgrade(alembic_config(self), "head")

    def current_revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def dispose(self) -> None:
        self.engine.dispose()


class _Joined(Database):
    """:meth:`Database.joined`: the same engine, one caller's session."""

    def __init__(self, outer: Database, session: Session) -> None:  # no new engine
        self.url, self.engine, self.sessions = outer.url, outer.engine, outer.sessions
        self._session = session

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Session]:
        yield self._session


def alembic_config(db: Database):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option(
        "script_location", str(resources.files("hazatlas.storage").joinpath("migrations"))
    )
    cfg.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    cfg.attributes["engine"] = db.engine
    return cfg
