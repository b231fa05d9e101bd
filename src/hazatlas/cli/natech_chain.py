"""``hazatlas natech chain``: a natural hazard at a register site, followed to the countries.

``hazatlas natech chain flood``: flood depth → tank flotation → release → river spill (liquids)
and plume (liquefied gases) → countries; ``hazatlas natech chain rain-dam``: heavy rain →
overtopping/freeboard screen → dam failure → runout → river → countries
(:mod:`hazatlas.services.natech_chain`; docs/natech.md, section "Chains").
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from hazatlas.cli.common import AsOption, DbOption, handle_errors, open_db, principal, print_json

chain_app = typer.Typer(help="Natech chains: hazard → damage → release → river or air → "
                             "countries.", no_args_is_help=True)

EstablishmentOpt = Annotated[str, typer.Option("--establishment", help="Register id of the site")]
StartOpt = Annotated[str, typer.Option("--start", help="Time of the event, ISO 8601 "
                                       "(e.g. 2014-05-15T12:00)")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine JSON")]


def _start(text: str) -> datetime:
    from hazatlas.domain.errors import HazatlasError

    try:
        return datetime.fromisoformat(text)
    except ValueError as exc:
        raise HazatlasError(f"--start: expected an ISO 8601 time, got '{text}'") from exc


@chain_app.command("flood")
@handle_errors
def flood(
    establishment: EstablishmentOpt,
    start: StartOpt,
    depth: Annotated[str | None, typer.Option(
        "--depth", help="Flood depth at the site above the tank base, e.g. 2m")] = None,
    layers: Annotated[Path | None, typer.Option(
        "--layers", help="Hazard layer manifest (TOML) with the flood depth layer")] = None,
    layer: Annotated[str | None, typer.Option(
        "--layer", help="Id of the flood depth layer (m) sampled at the site")] = None,
    fill: Annotated[float | None, typer.Option(
        "--fill", help="Fill of every tank at the flood, (0, 1] (default: the register's or "
        "0.9); an emptier tank floats sooner")] = None,
    flow: Annotated[str, typer.Option("--flow", help="River flow: low | mean | high, or a "
                                      "discharge at the entry, e.g. 800m3/s")] = "high",
    days: Annotated[float, typer.Option("--days", help="Horizon of the river run, days")] = 30.0,
    wind_speed: Annotated[float, typer.Option("--wind-speed", help="Wind speed for a gas "
                                              "release, m/s")] = 3.0,
    stability: Annotated[str, typer.Option("--stability", help="Pasquill class A-F")] = "D",
    wind_from: Annotated[float, typer.Option("--wind-from", help="Wind direction (from), "
                                             "degrees")] = 270.0,
    curves: Annotated[Path | None, typer.Option(
        "--curves", help="Custom fragility curve table (CSV; docs/natech.md, section Custom "
        "curves): a tank with tank_model = custom:NAME goes through curve NAME")] = None,
    default_curve: Annotated[str | None, typer.Option(
        "--default-curve", help="Curve of the --curves table for every tank that names no "
        "tank_model")] = None,
    db: str | None = DbOption,
    as_user: str | None = AsOption,
    as_json: JsonOpt = False,
) -> None:
    """Flood depth → tank flotation → release → river spill / plume → countries and times."""
    from hazatlas.cli.scenario import _flow
    from hazatlas.formats.units import parse_quantity
    from hazatlas.services.natech_chain import FloodChainRequest, run_flood_chain

    req = FloodChainRequest(
        establishment_id=establishment, start=_start(start),
        flood_depth_m=(parse_quantity(depth, "m", name="--depth", default_unit="m")
                       if depth is not None else None),
        layers=layers, layer_id=layer, flow=_flow(flow), days=days, wind_speed_m_s=wind_speed,
        stability=stability, wind_from_deg=wind_from, fill_at_flood=fill)
    from hazatlas.services import natech_curves

    table = natech_curves.load(curves, default_curve) if curves is not None else None
    natech_curves.check_default(table, default_curve)
    database = open_db(db)
    doc = run_flood_chain(database, principal(database, as_user), req, curves=table,
                          default_curve=default_curve)
    if as_json:
        print_json(doc)
        return
    _print_flood(doc)


@chain_app.command("rain-dam")
@handle_errors
def rain_dam(
    establishment: EstablishmentOpt,
    start: StartOpt,
    rainfall: Annotated[str, typer.Option("--rainfall", help="Design rainfall depth, e.g. "
                                          "200mm")],
    pond_area: Annotated[str, typer.Option("--pond-area", help="Pond area, e.g. 2ha or "
                                           "20000m2")],
    catchment_area: Annotated[str, typer.Option(
        "--catchment-area", help="Catchment draining into the pond, e.g. 50ha or 500000m2")] = "0m2",
    runoff: Annotated[float, typer.Option("--runoff-coefficient", help="Runoff coefficient of "
                                          "the catchment, 0-1")] = 1.0,
    pond_level: Annotated[str | None, typer.Option(
        "--pond-level", help="Pond level, e.g. 9m (same datum as the crest; default: the "
        "register)")] = None,
    crest_level: Annotated[str | None, typer.Option(
        "--crest-level", help="Dam crest level, e.g. 10m (default: the register)")] = None,
    min_freeboard: Annotated[str | None, typer.Option(
        "--min-freeboard", help="Minimum freeboard, e.g. 0.5m (default: the register)")] = None,
    stored_volume: Annotated[str | None, typer.Option(
        "--stored-volume", help="Stored tailings volume, e.g. 0.1Mm3 (default: the "
        "register)")] = None,
    dam_height: Annotated[str | None, typer.Option(
        "--dam-height", help="Dam height, e.g. 10m (default: the register)")] = None,
    constituent: Annotated[list[str] | None, typer.Option(
        "--constituent", help="NAME=MG_PER_KG in the tailings (repeatable)")] = None,
    flow: Annotated[str, typer.Option("--flow", help="low | mean | high, or a discharge")] = "mean",
    days: Annotated[float, typer.Option("--days", help="Horizon of the river run, days")] = 30.0,
    db: str | None = DbOption,
    as_user: str | None = AsOption,
    as_json: JsonOpt = False,
) -> None:
    """Heavy rain → overtopping screen → dam failure → runout → river → countries."""
    from hazatlas.cli.scenario import _constituent, _flow
    from hazatlas.formats.units import parse_quantity
    from hazatlas.services.natech_chain import RainDamRequest, run_rain_dam_chain
    from hazatlas.services.tailings_failure import TailingsFailureRequest

    def metres(text: str, name: str) -> float:
        return parse_quantity(text, "m", name=name, default_unit="m")

    def area(text: str, name: str) -> float:
        return parse_quantity(text, "m**2", name=name)

    given = [_constituent(c) for c in constituent or []]
    failure = TailingsFailureRequest(
        establishment_id=establishment, start=_start(start),
        stored_volume_m3=(parse_quantity(stored_volume, "m**3", name="--stored-volume")
                          if stored_volume else None),
        dam_height_m=metres(dam_height, "--dam-height") if dam_height else None,
        constituents_mg_kg=dict(given) if given else None, flow=_flow(flow), days=days)
    req = RainDamRequest(
        failure, design_rainfall_m=metres(rainfall, "--rainfall"),
        pond_level_m=metres(pond_level, "--pond-level") if pond_level else None,
        crest_level_m=metres(crest_level, "--crest-level") if crest_level else None,
        min_freeboard_m=metres(min_freeboard, "--min-freeboard") if min_freeboard else None,
        pond_area_m2=area(pond_area, "--pond-area"),
        catchment_area_m2=area(catchment_area, "--catchment-area"), runoff_coefficient=runoff)
    database = open_db(db)
    doc = run_rain_dam_chain(database, principal(database, as_user), req)
    if as_json:
        print_json(doc)
        return
    o = doc["overtopping"]
    typer.echo(f"{doc['establishment_id']}: pond rise {o['rise_m']:.2f} m, remaining freeboard "
               f"{o['remaining_freeboard_m']:.2f} m -> "
               f"{'FAILURE' if o['freeboard_exceeded'] else 'no failure'}")
    _print_countries(doc["countries"])
    for w in doc["warnings"]:
        typer.echo(f"  warning: {w}")


def _print_countries(rows: list[dict[str, Any]]) -> None:
    for c in rows:
        where = (f"river km {c['river_km_from_entry']:g}, first arrival {c['first_arrival']}"
                 if "river_km_from_entry" in c else f"by {c.get('pathway', 'air')}")
        what = c.get("substance") or c.get("constituent")
        typer.echo(f"  {c['country']}: {what}, {where}")


def _print_flood(doc: dict[str, Any]) -> None:
    f = doc["flood"]
    typer.echo(f"{doc['establishment']['id']}: flood depth {f['depth_m']:g} m ({f['source']})")
    for u in doc["units"]:
        typer.echo(f"  {u['unit']['unit_id']} ({u['unit']['substance']}): "
                   f"P(float) {u['flood']['damage_probabilities'].get('DS5', 0):.2g}, release "
                   f"{u['release_kg']:.3g} kg to {u['medium']}")
    _print_countries(doc["countries"])
    for w in doc["warnings"]:
        typer.echo(f"  warning: {w}")


def demo_layers(
    folder: Annotated[Path, typer.Argument(help="Folder to write the GeoTIFFs and layers.toml")],
    bbox: Annotated[str, typer.Option("--bbox", help="WEST,SOUTH,EAST,NORTH in degrees "
                                      "(default: the Danube basin and the Western Balkans)")]
    = "16,41,35,51",
    cell: Annotated[float, typer.Option("--cell", help="Cell size, degrees")] = 0.01,
    return_period: Annotated[list[float] | None, typer.Option(
        "--return-period", help="Return period in years (repeatable; default 10, 100, 500)")]
    = None,
    as_json: JsonOpt = False,
) -> None:
    """Write the demo flood layers: a PROXY band along the bundled rivers, not a flood map."""
    from hazatlas.domain.errors import HazatlasError
    from hazatlas.services.natech_demo import DEFAULT_RETURN_PERIODS, write_demo_layers

    try:
        box = [float(v) for v in bbox.split(",")]
    except ValueError as exc:
        raise HazatlasError(f"--bbox: expected WEST,SOUTH,EAST,NORTH, got '{bbox}'") from exc
    if len(box) != 4:
        raise HazatlasError(f"--bbox: expected 4 numbers WEST,SOUTH,EAST,NORTH, got '{bbox}'")
    doc = write_demo_layers(folder, bbox=box, cell_deg=cell,
                            return_periods=return_period or DEFAULT_RETURN_PERIODS)
    if as_json:
        print_json(doc)
        return
    typer.echo(f"wrote {doc['manifest']} (a PROXY, not a flood map):")
    for layer in doc["layers"]:
        typer.echo(f"  {layer['id']}: {layer['wet_cells']} of {layer['cells']} cells wet, "
                   f"max {layer['max_depth_m']:.2f} m")
