"""``hazatlas spill``: river pollution alarm model (arrival, peak and duration downstream)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from hazatlas.cli.common import (
    AsOption,
    DbOption,
    EstablishmentOption,
    NoStoreOption,
    handle_errors,
    print_json,
)
from hazatlas.domain.errors import HazatlasError


def parse_lonlat(text: str, name: str) -> tuple[float, float]:
    """'LON,LAT' -> (lon, lat) with a clear error naming the option."""
    parts = text.split(",")
    try:
        lon, lat = (float(p) for p in parts)
    except ValueError:
        raise HazatlasError(f"{name}: expected LON,LAT in degrees, got '{text}'") from None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise HazatlasError(f"{name}: '{text}' is not a longitude,latitude pair")
    return lon, lat


def parse_point(text: str) -> tuple[str, float, float]:
    """'NAME=LON,LAT' -> (name, lon, lat)."""
    name, sep, where = text.partition("=")
    if not sep or not name.strip():
        raise HazatlasError(f"--point: expected NAME=LON,LAT, got '{text}'")
    lon, lat = parse_lonlat(where, f"--point {name.strip()}")
    return name.strip(), lon, lat


def parse_flow(text: str) -> str | float:
    """'low' | 'mean' | 'high' | a discharge ('850' or '850m3/s')."""
    if text in ("low", "mean", "high"):
        return text
    from hazatlas.formats.units import parse_quantity

    return parse_quantity(text, "m**3/s", name="--flow", default_unit="m**3/s")


def spill(
    at: Annotated[
        str | None,
        typer.Option("--at", help="Release point LON,LAT (default: the establishment's location)"),
    ] = None,
    mass: Annotated[
        str | None,
        typer.Option("--mass", help="Released mass, e.g. 100t (default: the establishment's "
                     "maximum quantity of the substance)"),
    ] = None,
    start: Annotated[str, typer.Option("--start", help="Start, ISO 8601 (2000-01-30T22:00)")] = "",
    duration: Annotated[
        str | None,
        typer.Option("--duration", help="Release duration, e.g. 12h (default: instantaneous)"),
    ] = None,
    substance: Annotated[
        str | None, typer.Option("--substance", help="Substance name or CAS number")
    ] = None,
    decay_per_day: Annotated[
        float | None, typer.Option("--decay-per-day", help="First-order decay rate (1/day)")
    ] = None,
    flow: Annotated[
        str, typer.Option("--flow", help="low | mean | high | discharge at the source in m3/s")
    ] = "mean",
    threshold: Annotated[
        str | None,
        typer.Option("--threshold", help="Threshold, e.g. 0.05mg/l (default: the substance's "
                     "limit; without a substance 1 % of the mixed peak near the source)"),
    ] = None,
    point: Annotated[
        list[str] | None, typer.Option("--point", help="NAME=LON,LAT of a place (repeatable)")
    ] = None,
    network: Annotated[
        Path | None, typer.Option("--network", help="River network: a stored network's name "
                                  "(hazatlas network list) or a file (GeoJSON/GeoPackage)")
    ] = None,
    days: Annotated[float, typer.Option("--days", help="Time horizon in days")] = 30.0,
    water_temp: Annotated[
        float | None,
        typer.Option("--water-temp", help="Water temperature in °C for the substance's decay "
                     "rate (default: the river's monthly climatology, else the rate at its "
                     "reference temperature)"),
    ] = None,
    month: Annotated[
        int | None,
        typer.Option("--month", help="Month 1-12 of the water-temperature climatology when "
                     "--water-temp is not given (default: the month of --start)"),
    ] = None,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Write breakthrough curves to this PNG")
    ] = None,
    observations: Annotated[
        Path | None,
        typer.Option("--observations", help="Measured concentrations (CSV: station or lon,lat, "
                     "time, concentration in mg/l, optional phase: peak, rising or falling): fit "
                     "the run to them and add the forecast"),
    ] = None,
    establishment: str | None = EstablishmentOption,
    no_store: bool = NoStoreOption,
    db: str | None = DbOption,
    as_user: str | None = AsOption,
    as_json: Annotated[bool, typer.Option("--json", help="Print machine JSON")] = False,
) -> None:
    """Where a river spill goes, when it arrives and how high the peak is."""
    handle_errors(_spill)(
        SpillOptions(at, mass, start, duration, substance, decay_per_day, flow, threshold,
                     point or [], network, days, water_temp=water_temp, month=month),
        plot, establishment, no_store, db, as_user, as_json, observations=observations,
    )


@dataclass(frozen=True)
class SpillOptions:
    """The model options of ``hazatlas spill`` as typed."""

    at: str | None
    mass: str | None
    start: str
    duration: str | None
    substance: str | None
    decay_per_day: float | None
    flow: str
    threshold: str | None
    point: list[str]
    network: Path | None
    days: float
    water_temp: float | None = None
    month: int | None = None

    def values(self) -> dict[str, Any]:
        """The same fields as ``POST /api/scenarios/river`` (SI units)."""
        from hazatlas.formats.units import parse_quantity
        from hazatlas.models.base import raise_problems
        from hazatlas.models.river.spill import spill_problems

        duration_s = 0.0
        if self.duration is not None:
            duration_s = parse_quantity(self.duration, "s", name="--duration")
            raise_problems(spill_problems(duration_s=duration_s, duration_given=True))
        if not self.start:
            raise HazatlasError("--start is required (ISO 8601, for example 2000-01-30T22:00)")
        try:
            start_at = datetime.fromisoformat(self.start)
        except ValueError:
            raise HazatlasError(
                f"--start: '{self.start}' is not an ISO 8601 date-time (2000-01-30T22:00)"
            ) from None
        threshold = self.threshold
        return {
            "at": parse_lonlat(self.at, "--at") if self.at else None,
            "mass_kg": parse_quantity(self.mass, "kg", name="--mass") if self.mass else None,
            "start": start_at.isoformat(),
            "duration_s": duration_s,
            "substance": self.substance,
            "decay_per_day": self.decay_per_day,
            "flow": parse_flow(self.flow),
            "threshold_mg_l": (
                parse_quantity(threshold, "mg/l", name="--threshold") if threshold else None
            ),
            "points": [dict(zip(("name", "lon", "lat"), parse_point(p), strict=True))
                       for p in self.point],
            "days": self.days,
            "water_temp_c": self.water_temp,
            "month": self.month,
        }


def _spill(options: SpillOptions, plot: Path | None, establishment: str | None, no_store: bool,
           db: str | None, as_user: str | None, as_json: bool,
           observations: Path | None = None) -> None:
    from hazatlas.cli.scenarios import run_context, stored_line
    from hazatlas.services import scenario_runs

    values = options.values()
    measured = None
    if observations is not None:
        from hazatlas.formats.observations import read_observations

        measured = read_observations(observations)
        values["observations"] = measured.to_json()
    database, who = run_context(db, as_user, establishment, no_store)
    if database is None and options.network is not None and not options.network.exists():
        from hazatlas.cli.common import open_db

        database = open_db(db)  # --network NAME: a stored network
    run, doc = scenario_runs.river(database, who, values, establishment_id=establishment,
                                   keep=not no_store, network=options.network,
                                   observations=measured)
    if plot is not None:
        write_plot(run, plot)
    if as_json:
        print_json(doc)
    else:
        _print_tables(doc)
        if "forecast" in doc:
            from hazatlas.cli.spill_forecast import print_forecast

            print_forecast(doc["forecast"])
        Console().print(stored_line(doc))


def _print_tables(doc: dict[str, Any]) -> None:
    console = Console()
    src = doc["source"]
    console.print(
        f"[bold]Spill[/bold] of {src['mass_kg']:g} kg {src['substance'] or ''} into "
        f"{src['river'] or 'reach ' + str(src['reach_id'])} at {src['start']}, "
        f"flow {doc['flow']['scenario']}, threshold {src['threshold_mg_l']:g} mg/l"
    )
    table = Table("place", "km", "arrival", "peak time", "peak mg/l", "trailing edge", "h above")

    def short(t: str | None) -> str:
        return t[5:16].replace("T", " ") if t else "-"

    for p in doc["points"]:
        table.add_row(
            p["name"],
            f"{p['river_km_from_source']:g}",
            short(p["arrival"]),
            short(p["peak_time"]),
            f"{p['peak_mg_l']:g}",
            short(p["trailing_edge"]),
            f"{p['hours_above_threshold']:g}",
        )
    for c in doc["countries"]:
        table.add_row(
            f"border {c['country']}",
            f"{c['river_km_from_source']:g}",
            short(c["first_arrival"]),
            "",
            f"{c['peak_mg_l']:g}",
            "",
            "",
        )
    console.print(table)
    if doc["threshold"]["default"]:
        console.print(f"[yellow]threshold:[/yellow] {doc['threshold']['basis']}")
    for w in doc["method"]["warnings"]:
        console.print(f"[yellow]warning:[/yellow] {w}")


def write_plot(run: Any, path: Path) -> None:
    """Breakthrough curves of the points (or of the border crossings) with the threshold."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [p.name for p in run.request.points]
    distances = run.point_distance_m
    if not names:
        names = [f"border {c.country}" for c in run.crossings]
        distances = [max(c.river_distance_m, 1.0) for c in run.crossings]
    times, conc = run.series_mg_l(600.0, distances)
    days = times / 86_400.0
    fig, ax = plt.subplots(figsize=(9, 5))
    for name, c in zip(names, conc, strict=True):
        ax.plot(days, c, label=name)
    ax.axhline(
        run.threshold_mg_l,
        color="red",
        linestyle="--",
        label=f"threshold {run.threshold_mg_l:g} mg/l",
    )
    ax.set_yscale("log")
    top = float(conc.max()) if conc.size else run.threshold_mg_l
    ax.set_ylim(run.threshold_mg_l / 100, max(top, run.threshold_mg_l) * 2)
    ax.set_xlabel(f"days after {run.request.start.isoformat(timespec='minutes')}")
    ax.set_ylabel("concentration (mg/l)")
    ax.set_title(f"River spill, {run.selected} flow")
    ax.legend(fontsize="small")
    fig.tight_layout()
    try:
        fig.savefig(path, dpi=110)
    except OSError as exc:
        raise HazatlasError(f"--plot: cannot write '{path}' ({exc})") from exc
    finally:
        plt.close(fig)


def register(app: typer.Typer) -> None:
    app.command("spill")(spill)
