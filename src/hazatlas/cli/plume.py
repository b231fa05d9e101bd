"""``hazatlas plume``: toxic gas threat zones (Gaussian plume / puff) for one release."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from hazatlas.cli.common import (
    AsOption,
    DbOption,
    EstablishmentOption,
    NoStoreOption,
    handle_errors,
)
from hazatlas.domain.errors import HazatlasError


def fail(exc: HazatlasError) -> NoReturn:
    """Report a model error as every model command does (``cli.common.handle_errors``: the
    problems of an invalid input, each naming its parameter) and exit with status 2."""

    def reraise() -> None:
        raise exc

    handle_errors(reraise)()
    raise typer.Exit(2)  # not reached: handle_errors exits


def parse_pair(text: str, name: str) -> tuple[float, float]:
    """ "LON,LAT" -> (lon, lat), with a clear error."""
    try:
        a, b = (float(p) for p in text.split(","))
    except ValueError as exc:
        raise HazatlasError(f"{name}: expected two numbers 'LON,LAT', got '{text}'") from exc
    if not (-180 <= a <= 180 and -90 <= b <= 90):
        raise HazatlasError(f"{name}: '{text}' is not a longitude,latitude in degrees")
    return a, b


def parse_receptor(text: str) -> tuple[float, float, float]:
    """ "X,Y,Z" in metres (x downwind, y crosswind, z height)."""
    try:
        x, y, z = (float(p) for p in text.split(","))
    except ValueError as exc:
        raise HazatlasError(f"--receptor: expected 'X,Y,Z' in metres, got '{text}'") from exc
    return x, y, z


def _q(text: str | None, unit: str, name: str, default_unit: str | None = None) -> float | None:
    from hazatlas.formats.units import parse_quantity

    return (
        None if text is None else parse_quantity(text, unit, name=name, default_unit=default_unit)
    )


def plume(
    rate: Annotated[
        str | None, typer.Option("--rate", help="Continuous release rate, e.g. 1kg/s")
    ] = None,
    mass: Annotated[
        str | None, typer.Option("--mass", help="Instantaneous release, e.g. 500kg")
    ] = None,
    wind: Annotated[
        str,
        typer.Option(
            "--wind", help="Wind speed, e.g. 3m/s (at release height unless --wind-height)"
        ),
    ] = "",
    stability: Annotated[str | None, typer.Option("--stability", help="Pasquill class A-F")] = None,
    height: Annotated[str, typer.Option("--height", help="Release height, e.g. 0m")] = "0m",
    wind_height: Annotated[
        str | None, typer.Option("--wind-height", help="Height of the wind measurement (m)")
    ] = None,
    sigmas: Annotated[
        str, typer.Option("--sigmas", help="briggs-rural | briggs-urban | pasquill-gifford")
    ] = "briggs-rural",
    substance: Annotated[
        str | None, typer.Option("--substance", help="Substance name or CAS number")
    ] = None,
    receptor: Annotated[
        list[str] | None, typer.Option("--receptor", help="X,Y,Z in m (repeatable)")
    ] = None,
    at: Annotated[str | None, typer.Option("--at", help="Release point LON,LAT")] = None,
    wind_from: Annotated[
        float | None, typer.Option("--wind-from", help="Direction the wind blows from, degrees")
    ] = None,
    duration: Annotated[
        str, typer.Option("--duration", help="Exposure duration for AEGLs, e.g. 60min")
    ] = "60min",
    levels: Annotated[str, typer.Option("--levels", help="aegl | erpg")] = "aegl",
    loc: Annotated[
        str | None, typer.Option("--loc", help="User level of concern, e.g. 10mg/m3")
    ] = None,
    mixing_height: Annotated[
        str | None, typer.Option("--mixing-height", help="Mixing height, e.g. 800m")
    ] = None,
    time_of_day: Annotated[
        str | None,
        typer.Option("--time", help="day | night (stability from the Pasquill-Turner table)"),
    ] = None,
    insolation: Annotated[
        str | None, typer.Option("--insolation", help="strong | moderate | slight (by day)")
    ] = None,
    cloud: Annotated[
        float | None, typer.Option("--cloud", help="Cloud cover in octas (0-8)")
    ] = None,
    pool_area: Annotated[
        str | None, typer.Option("--pool-area", help="Evaporating pool area, e.g. 50m^2")
    ] = None,
    hole: Annotated[
        str | None, typer.Option("--hole", help="Hole diameter for a gas release, e.g. 10mm")
    ] = None,
    pressure: Annotated[
        str | None, typer.Option("--pressure", help="Absolute vessel pressure, e.g. 8bar")
    ] = None,
    temperature: Annotated[
        str, typer.Option("--temperature", help="Liquid/gas temperature, e.g. 20degC")
    ] = "20degC",
    geojson: Annotated[
        Path | None, typer.Option("--geojson", help="Write zone polygons to this GeoJSON file")
    ] = None,
    places: Annotated[
        Path | None,
        typer.Option("--places", help="Populated places to check: CSV (name,lon,lat) or GeoJSON points"),
    ] = None,
    establishment: str | None = EstablishmentOption,
    no_store: bool = NoStoreOption,
    db: str | None = DbOption,
    as_user: str | None = AsOption,
    as_json: Annotated[bool, typer.Option("--json", help="Print machine JSON")] = False,
) -> None:
    """Threat zones (AEGL-1/2/3, ERPG or a user level) downwind of a toxic gas release.

    Without a substance or a level the zones are concentration isopleths (1, 10, 100 mg/m3),
    not levels of harm. With --establishment the site gives the substance, the release (its
    maximum quantity, as an instantaneous release, when no source is given) and, with
    --wind-from, the location."""
    from hazatlas.cli.scenarios import run_context, stored_line
    from hazatlas.formats.units import parse_quantity
    from hazatlas.services import scenario_runs

    try:
        if not wind:
            raise HazatlasError("--wind is required (for example --wind 3m/s)")
        wind_m_s = parse_quantity(wind, "m/s", name="--wind", default_unit="m/s")
        if stability is None:
            stability = _stability(wind_m_s, time_of_day, insolation, cloud)
        values = {
            "wind_speed_m_s": wind_m_s,
            "stability": stability.strip().upper(),
            "rate_kg_s": _q(rate, "kg/s", "--rate"),
            "mass_kg": _q(mass, "kg", "--mass"),
            "pool_area_m2": _q(pool_area, "m**2", "--pool-area"),
            "hole_diameter_m": _q(hole, "m", "--hole"),
            "pressure_pa": _q(pressure, "Pa", "--pressure"),
            "temperature_k": parse_quantity(temperature, "K", name="--temperature"),
            "release_height_m": parse_quantity(height, "m", name="--height", default_unit="m"),
            "wind_height_m": _q(wind_height, "m", "--wind-height", "m"),
            "sigmas": sigmas,
            "substance": substance,
            "loc_kind": levels,
            "duration_s": parse_quantity(duration, "s", name="--duration"),
            "loc_mg_m3": _q(loc, "mg/m**3", "--loc", "mg/m**3"),
            "mixing_height_m": _q(mixing_height, "m", "--mixing-height", "m"),
            "receptors": [parse_receptor(r) for r in receptor or []],
            "at": parse_pair(at, "--at") if at else None,
            "wind_from_deg": wind_from,
            "places": _read_places(places) if places else [],
        }
        database, who = run_context(db, as_user, establishment, no_store)
        result, answer = scenario_runs.plume(database, who, values, establishment_id=establishment,
                                             keep=not no_store)
    except HazatlasError as exc:
        fail(exc)
    if geojson is not None:
        geojson.write_text(json.dumps(result.geojson()), encoding="utf-8")
    if as_json:
        typer.echo(json.dumps(answer, indent=2))
        return
    _print_table(answer)
    Console().print(stored_line(answer))


def _read_places(path: Path) -> list[tuple[str, float, float]]:
    """Named points from a CSV (``name``, ``lon``, ``lat``) or GeoJSON file."""
    from hazatlas.formats.tables import read_table

    table = read_table(path)
    out = []
    for row, values in table.rows:
        try:
            out.append((values["name"], float(values["lon"]), float(values["lat"])))
        except (KeyError, ValueError):
            raise HazatlasError(
                f"{table.source}, row {row}: expected columns name, lon, lat with numbers") from None
    return out


def _stability(
    wind_m_s: float, time_of_day: str | None, insolation: str | None, cloud: float | None
) -> str:
    from hazatlas.models.air.stability import pasquill_class

    if time_of_day not in ("day", "night"):
        raise HazatlasError("give --stability A-F, or --time day|night with --insolation/--cloud")
    return pasquill_class(
        wind_m_s, daytime=time_of_day == "day", insolation=insolation, cloud_cover_octas=cloud
    )


def _print_table(data: dict) -> None:
    console = Console()
    zones = Table(title="Threat zones")
    for col in ("level", "threshold mg/m3", "distance m"):
        zones.add_column(col)
    for z in data["zones"]:
        d = z["distance_m"]
        zones.add_row(
            z["level"], f"{z['threshold_mg_m3']:g}", "> 100 km" if d is None else f"{d:,.0f}"
        )
    console.print(zones)
    if data["receptors"]:
        rec = Table(title="Receptors")
        for col in ("x m", "y m", "z m", "mg/m3"):
            rec.add_column(col)
        for r in data["receptors"]:
            rec.add_row(
                f"{r['x_m']:g}", f"{r['y_m']:g}", f"{r['z_m']:g}", f"{r['concentration_mg_m3']:.4g}"
            )
        console.print(rec)
    if data["countries"]:
        console.print("Countries reached: " + ", ".join(data["countries"]))
    for w in data["warnings"]:
        console.print(f"[yellow]warning:[/yellow] {w}")


def register(app: typer.Typer) -> None:
    """Add the ``plume`` command to the ``hazatlas`` app."""
    app.command("plume")(plume)
