"""``hazatlas runout``: tailings dam failure released volume, runout and its path down the valley."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from hazatlas.cli.common import AsOption, DbOption, EstablishmentOption, NoStoreOption
from hazatlas.cli.plume import fail, parse_pair
from hazatlas.domain.errors import HazatlasError
from hazatlas.domain.tailings import Constituent


def parse_constituent(text: str) -> Constituent:
    """ "NAME=MG_PER_KG" -> Constituent, with a clear error."""
    name, _, value = text.partition("=")
    try:
        conc = float(value)
    except ValueError as exc:
        raise HazatlasError(f"--constituent: expected NAME=MG_PER_KG, got '{text}'") from exc
    if not name.strip() or conc < 0:
        raise HazatlasError(f"--constituent: expected NAME=MG_PER_KG, got '{text}'")
    return Constituent(name.strip(), conc)


def runout(
    volume: Annotated[
        str, typer.Option("--volume", help="Impounded tailings volume, e.g. 12Mm3")
    ] = "",
    height: Annotated[str, typer.Option("--height", help="Dam height, e.g. 87m")] = "",
    released: Annotated[
        str | None,
        typer.Option("--released", help="Released volume, e.g. 9.6Mm3 (default: regression)"),
    ] = None,
    method: Annotated[
        str, typer.Option("--method", help="rico2008 | larrauri2018")
    ] = "larrauri2018",
    at: Annotated[str | None, typer.Option("--at", help="Dam location LON,LAT")] = None,
    constituent: Annotated[
        list[str] | None,
        typer.Option(
            "--constituent", help="NAME=MG_PER_KG in the tailings (repeatable), e.g. Cu=2000"
        ),
    ] = None,
    network: Annotated[
        Path | None,
        typer.Option("--network", help="River network: a stored network's name (hazatlas "
                     "network list) or a file (GeoJSON/GeoPackage); default: the bundled one"),
    ] = None,
    establishment: str | None = EstablishmentOption,
    no_store: bool = NoStoreOption,
    db: str | None = DbOption,
    as_user: str | None = AsOption,
    as_json: Annotated[bool, typer.Option("--json", help="Print machine JSON")] = False,
) -> None:
    """Released volume and runout of a tailings dam failure, traced along the river network.

    With --establishment the site gives the location, the stored volume, the dam height and the
    constituents the options leave out."""
    from hazatlas.cli.scenarios import run_context, stored_line
    from hazatlas.formats.units import parse_quantity
    from hazatlas.services import scenario_runs

    try:
        if (not volume or not height) and establishment is None:
            raise HazatlasError(
                "--volume and --height are required (for example --volume 12Mm3 --height 87m), "
                "or --establishment ID of a tailings facility with a stored volume and dam height"
            )
        values = {
            "impounded_volume_m3": parse_quantity(volume, "m**3", name="--volume") if volume else None,
            "dam_height_m": (
                parse_quantity(height, "m", name="--height", default_unit="m") if height else None
            ),
            "released_volume_m3": (
                parse_quantity(released, "m**3", name="--released") if released else None
            ),
            "method": method,
            "at": parse_pair(at, "--at") if at else None,
            "constituents_mg_kg": {
                c.name: c.concentration_mg_kg for c in map(parse_constituent, constituent or [])
            },
        }
        database, who = run_context(db, as_user, establishment, no_store)
        if database is None and network is not None and not network.exists():
            from hazatlas.cli.common import open_db

            database = open_db(db)  # --network NAME: a stored network
        _, data = scenario_runs.runout(database, who, values, establishment_id=establishment,
                                       keep=not no_store, network=network)
    except HazatlasError as exc:
        fail(exc)
    if as_json:
        typer.echo(json.dumps(data, indent=2))
        return
    console = Console()
    table = Table(title=f"Tailings runout ({data['method']})")
    table.add_column("quantity")
    table.add_column("value")
    table.add_row("released volume", f"{data['released_volume_m3'] / 1e6:.3g} Mm3")
    lo, hi = data["interval_km"]
    table.add_row("runout", f"{data['runout_km']:.1f} km (95 % interval {lo:.1f}-{hi:.1f} km)")
    if data["stop"]:
        s = data["stop"]
        table.add_row("stops", f"{s['river'] or 'unnamed river'} at {s['lon']:.4f}, {s['lat']:.4f}")
    table.add_row("countries", ", ".join(data["countries"]) or "-")
    console.print(table)
    console.print(f"source: {data['source']}")
    for w in data["warnings"]:
        console.print(f"[yellow]warning:[/yellow] {w}")
    console.print(stored_line(data))


def register(app: typer.Typer) -> None:
    """Add the ``runout`` command to the ``hazatlas`` app."""
    app.command("runout")(runout)
