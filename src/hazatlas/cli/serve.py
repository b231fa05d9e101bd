"""``hazatlas serve``: the web map and HTTP API on localhost."""

from __future__ import annotations

from pathlib import Path

import typer

from hazatlas.cli.common import DbOption, handle_errors, open_db, out, settings


def serve_database(db: str | Path | None, host: str, port: int) -> None:
    import uvicorn

    from hazatlas.api.app import create_app

    cfg = settings(db)
    database = open_db(db)
    app = create_app(cfg, database)
    out.print(f"hazatlas on http://{host}:{port}/  (API docs http://{host}:{port}/docs, "
              f"database {database.url.split('@')[-1]})")
    uvicorn.run(app, host=host, port=port, log_level="info")


@handle_errors
def serve(db: str | None = DbOption,
          host: str = typer.Option("127.0.0.1", help="address to listen on"),
          port: int = typer.Option(8000, help="port")) -> None:
    """Serve the web pages and the HTTP API."""
    serve_database(db, host, port)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
