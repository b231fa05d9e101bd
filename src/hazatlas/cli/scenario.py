"""``hazatlas scenario``: scenarios that chain several models, run from a register site.

``hazatlas scenario tailings-failure --establishment ID [--released FRACTION] --start ISO``:
runout of the tailings, where it meets the river, a river spill of each constituent and the
countries downstream (:mod:`hazatlas.services.tailings_failure`). The run is stored as a
scenario (``scenario_id``) unless ``--no-store``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from hazatlas.cli.common import AsOption, DbOption, handle_errors, print_json

scenario_app = typer.Typer(help="Scenarios that chain several models, run from a register site.",
                           no_args_is_help=True)


def _constituent(text: str) -> tuple[str, float]:
    """ "NAME=MG_PER_KG" -> (name, mg/kg), with a clear error."""
    from hazatlas.domain.errors import HazatlasError

    name, _, value = text.partition("=")
    try:
        return name.strip(), float(value)
    except ValueError as exc:
        raise HazatlasError(f"--constituent: expected NAME=MG_PER_KG, got '{text}'") from exc


def _flow(text: str) -> str | float:
    from hazatlas.formats.units import parse_quantity

    if text in ("low", "mean", "high"):
        return text
    return parse_quantity(text, "m**3/s", name="--flow")


@scenario_app.command("tailings-failure")
@handle_errors
def tailings_failure(
    establishment: Annotated[str, typer.Option("--establishment", help="Register id of the "
                                               "tailings facility")],
    start: Annotated[str, typer.Option("--start", help="Failure time, ISO 8601 "
                                       "(e.g. 2000-01-30T22:00)")],
    released: Annotated[float | None, typer.Option(
        "--released", help="Fraction of the stored volume released, in (0, 1] (default: the "
        "runout regression)")] = None,
    stored_volume: Annotated[str | None, typer.Option(
        "--stored-volume", help="Stored tailings volume, e.g. 1.6Mm3 (default: the register)")] = None,
    dam_height: Annotated[str | None, typer.Option(
        "--dam-height", help="Dam height, e.g. 20m (default: the register)")] = None,
    constituent: Annotated[list[str] | None, typer.Option(
        "--constituent", help="NAME=MG_PER_KG in the tailings (repeatable; replaces the "
        "register's constituents and inventory)")] = None,
    method: Annotated[str, typer.Option("--method", help="rico2008 | larrauri2018")] = "larrauri2018",
    flow: Annotated[str, typer.Option("--flow", help="low | mean | high, or a discharge at the "
                                      "river entry, e.g. 80m3/s")] = "mean",
    duration: Annotated[str, typer.Option("--duration", help="Release duration into the river, "
                                          "e.g. 12h (default 0: at once)")] = "0h",
    days: Annotated[float, typer.Option("--days", help="Horizon of the river run, days")] = 30.0,
    water_temp: Annotated[float | None, typer.Option(
        "--water-temp", help="Water temperature in °C for the constituents' decay rates "
                             "(default: the river's monthly climatology, else the rates at their "
                             "reference temperature)")] = None,
    month: Annotated[int | None, typer.Option(
        "--month", help="Month 1-12 of the water-temperature climatology when --water-temp is "
                        "not given (default: the month of --start)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print machine JSON")] = False,
    no_store: Annotated[bool, typer.Option("--no-store", help="Do not store the run")] = False,
    network: Annotated[str | None, typer.Option(
        "--network", help="River network: a stored network's name (hazatlas network list) or a "
        "file (GeoJSON/GeoPackage); default: the bundled one")] = None,
    db: str | None = DbOption,
    as_user: str | None = AsOption,
) -> None:
    """Tailings dam failure: runout, river entry, river spill per constituent, countries."""
    from hazatlas.cli.common import open_db, principal
    from hazatlas.domain.errors import HazatlasError
    from hazatlas.formats.units import parse_quantity
    from hazatlas.services.tailings_failure import TailingsFailureRequest, run_and_store

    try:
        when = datetime.fromisoformat(start)
    except ValueError as exc:
        raise HazatlasError(f"--start: expected an ISO 8601 time, got '{start}'") from exc
    given = [_constituent(c) for c in constituent or []]
    req = TailingsFailureRequest(
        establishment_id=establishment,
        start=when,
        released_fraction=released,
        stored_volume_m3=(parse_quantity(stored_volume, "m**3", name="--stored-volume")
                          if stored_volume else None),
        dam_height_m=(parse_quantity(dam_height, "m", name="--dam-height", default_unit="m")
                      if dam_height else None),
        constituents_mg_kg=dict(given) if given else None,
        method=method,
        flow=_flow(flow),
        duration_s=parse_quantity(duration, "s", name="--duration"),
        days=days,
        water_temp_c=water_temp,
        month=month,
    )
    database = open_db(db)
    net = None
    parameters = None
    if network is not None:
        from hazatlas.services.networks import resolve

        net = resolve(database, network)
        parameters = {**req.to_json(), "network": network}
    doc = run_and_store(database, principal(database, as_user), req, parameters,
                        store=not no_store, network=net)
    if as_json:
        print_json(doc)
        return
    _print(doc)


def _print(doc: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    r, e = doc["runout"], doc["river_entry"]
    console.print(f"[bold]{doc['establishment']['name']}[/bold] ({doc['establishment_id']})")
    console.print(f"released {r['released_volume_m3'] / 1e6:.3g} Mm3, runout {r['runout_km']:.1f} "
                  f"km; river entry {e['river'] or 'unnamed river'} at {e['distance_km']:.1f} km")
    for s in doc["spills"]:
        console.print(f"  {s['constituent']}: {s['mass_kg'] / 1000:.3g} t into the river")
    table = Table(title="Countries downstream")
    for col in ("country", "river km", "constituent", "first arrival", "peak time", "peak mg/l"):
        table.add_column(col)
    for c in doc["countries"]:
        table.add_row(c["country"], f"{c['river_km_from_entry']:g}", c["constituent"],
                      c["first_arrival"] or "-", c["peak_time"] or "-", f"{c['peak_mg_l']:.3g}")
    console.print(table)
    for w in doc["warnings"]:
        console.print(f"[yellow]warning:[/yellow] {w}")
    if doc.get("scenario_id"):
        console.print(f"stored as scenario {doc['scenario_id']}")


def register(app: typer.Typer) -> None:
    """Add the ``scenario`` group to the ``hazatlas`` app."""
    app.add_typer(scenario_app, name="scenario")
