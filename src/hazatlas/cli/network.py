"""``hazatlas network``: river networks users bring (build from HydroRIVERS or OpenStreetMap,
list, show); a stored network is used with ``--network NAME`` by ``screen``, ``spill`` and the
API. Rules: ``docs/screening.md`` (Networks users bring)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from hazatlas.cli.common import (
    AsOption,
    DbOption,
    handle_errors,
    open_db,
    out,
    principal,
    print_json,
)

network_app = typer.Typer(
    help="River networks users bring: build from HydroRIVERS or OpenStreetMap, list, show.",
    no_args_is_help=True,
)


def _print(doc: dict[str, Any]) -> None:
    s = doc["summary"]
    out.print(f"[bold]{doc['name']}[/bold] ({doc['source_format']}: {doc['source_file']}), "
              f"basin {doc['basin'] or '-'}, built by {doc['created_by']} at "
              f"{doc['created_at'][:16].replace('T', ' ')}")
    for key in ("reaches", "outlets", "length_km", "max_reaches_to_outlet", "lake_reaches",
                "reaches_with_discharge", "named_reaches", "bbox"):
        out.print(f"  {key}: {s.get(key)}")
    for note in s.get("notes") or ():
        out.print(f"  note: {note}")


@network_app.command("build")
@handle_errors
def build(
    file: Path = typer.Argument(..., help="HydroRIVERS layer (.shp, .gpkg, .gdb, .geojson: "
                                "HYRIV_ID, NEXT_DOWN, LENGTH_KM, DIS_AV_CMS) or OpenStreetMap "
                                "extract (.osm.pbf: waterway=river/stream/canal)"),
    name: str = typer.Option(..., "--name", help="the name --network will select it by"),
    basin: str | None = typer.Option(None, "--basin", help="the river basin it covers (screen "
                                     "--basin selects its sites)"),
    replace: bool = typer.Option(False, "--replace", help="replace a stored network of that name"),
    json_out: bool = typer.Option(False, "--json", help="print machine-readable JSON"),
    db: str | None = DbOption,
    as_user: str | None = AsOption,
) -> None:
    """Build a network with topology and hydraulics from a file and store it."""
    from hazatlas.services.networks import build_network

    database = open_db(db)
    doc = build_network(database, principal(database, as_user), file, name, basin=basin,
                        replace=replace)
    if json_out:
        print_json(doc)
    else:
        _print(doc)


@network_app.command("list")
@handle_errors
def list_(
    json_out: bool = typer.Option(False, "--json", help="print machine-readable JSON"),
    db: str | None = DbOption,
) -> None:
    """The stored networks (besides the bundled one)."""
    from hazatlas.services.networks import list_networks

    rows = list_networks(open_db(db))
    if json_out:
        print_json(rows)
        return
    table = Table("name", "basin", "source", "reaches", "built by, at")
    for r in rows:
        table.add_row(r["name"], r["basin"] or "-", f"{r['source_format']}: {r['source_file']}",
                      str(r["reaches"]), f"{r['created_by']}, {r['created_at'][:16]}")
    out.print(table)


@network_app.command("show")
@handle_errors
def show(
    name: str = typer.Argument(..., help="network name (hazatlas network list)"),
    json_out: bool = typer.Option(False, "--json", help="print machine-readable JSON"),
    db: str | None = DbOption,
) -> None:
    """One stored network: its source, size, outlets, lakes and notes."""
    from hazatlas.services.networks import show_network

    doc = show_network(open_db(db), name)
    if json_out:
        print_json(doc)
    else:
        _print(doc)


def register(app: typer.Typer) -> None:
    app.add_typer(network_app, name="network")
