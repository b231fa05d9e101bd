"""``hazatlas serve``: the web map and HTTP API on localhost, with the notification outbox
worker in a background thread (stopped when the server shuts down)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from hazatlas.cli.common import DbOption, err, handle_errors, open_db, out, settings

if TYPE_CHECKING:
    from fastapi import FastAPI

    from hazatlas.services.settings import Settings


def serve_database(db: str | Path | None, host: str, port: int, worker: bool = True, *,
                   configure: Callable[[Settings], Settings] | None = None,
                   on_app: Callable[[FastAPI], None] | None = None) -> None:
    """Serve ``db``; ``configure`` may change the settings and ``on_app`` add to the app
    (``hazatlas demo`` points the mail at its sink and adds the page showing it)."""
    import uvicorn

    from hazatlas.api.app import create_app

    cfg = settings(db)
    if configure is not None:
        cfg = configure(cfg)
    database = open_db(db)
    app = create_app(cfg, database)
    if on_app is not None:
        on_app(app)
    out.print(f"hazatlas on http://{host}:{port}/  (API docs http://{host}:{port}/docs, "
              f"database {database.url.split('@')[-1]})")
    stop = start_worker(cfg, database) if worker else None
    try:
        uvicorn.run(app, host=host, port=port, log_level="info")
    finally:
        if stop is not None:
            stop()


def start_worker(cfg, database) -> Callable[[], None]:  # type: ignore[no-untyped-def]
    """Run the notification outbox worker in a daemon thread; return what stops it."""
    from hazatlas.delivery.outbox import Outbox
    from hazatlas.services.notify import outbox_config

    box = Outbox(database, outbox_config(cfg, database, threads=2))
    thread = threading.Thread(target=box.run, name="outbox-worker", daemon=True)
    thread.start()
    err.print("notification worker running (outbox delivery and escalation)")

    def stop() -> None:
        box.stop()
        thread.join(timeout=30)

    return stop


@handle_errors
def serve(db: str | None = DbOption,
          host: str = typer.Option("127.0.0.1", help="address to listen on"),
          port: int = typer.Option(8000, help="port"),
          worker: bool = typer.Option(True, "--worker/--no-worker",
                                      help="also deliver notifications (outbox worker)")) -> None:
    """Serve the web pages and the HTTP API, and deliver notifications."""
    serve_database(db, host, port, worker)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
