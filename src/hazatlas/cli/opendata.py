"""``hazatlas opendata``: the open data of the public register (issue 17), written to a folder."""

from __future__ import annotations

from pathlib import Path

import typer

from hazatlas.cli.common import DbOption, handle_errors, open_db, out, print_json, settings

opendata_app = typer.Typer(help="Open data of the public register: CSV, GeoJSON, feed of changes.",
                           no_args_is_help=True)


@opendata_app.command("export")
@handle_errors
def export(
    directory: Path = typer.Argument(..., help="folder to write the files to (created if needed)"),
    base_url: str | None = typer.Option(
        None, "--base-url", help="public address of the instance, for the feed's links and ids "
        "(default: $HAZATLAS_PUBLIC_URL)"),
    as_json: bool = typer.Option(False, "--json", help="print metadata.json's content"),
    db: str | None = DbOption,
) -> None:
    """Write register.csv, register.geojson (public fields of every establishment),
    changes.atom (the newest changes of public fields) and metadata.json (licence,
    attribution, generation time, register version) to DIRECTORY. The same for whoever runs
    it: the public's view."""
    from hazatlas.services import opendata

    database = open_db(db)
    try:
        meta = opendata.export_directory(database, directory,
                                         base_url=base_url or settings(db).public_url)
    finally:
        database.dispose()
    if as_json:
        print_json(meta)
        return
    out.print(f"wrote {meta['files']['register.csv']} establishments to {directory} "
              f"(register version {meta['register_version']}, licence {meta['licence']['name']})")


def register(app: typer.Typer) -> None:
    app.add_typer(opendata_app, name="opendata")
