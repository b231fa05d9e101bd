"""``hazatlas natech``: Natech screening of register sites against loaded hazard layers.

``hazatlas natech screen --layers MANIFEST.toml [--establishment ID ...] [--country ISO3]
[--event LAYER] [--export FILE.csv|FILE.geojson ...] [--pathways --start ISO]
[--curves FILE.csv [--default-curve NAME]] [--json]``: the hazard at each site per layer (return
period, scenario, horizon), the damage
probabilities and expected release of each unit per event and per year, and the Tailings Hazard
Index with its earthquake and flood inputs (:mod:`hazatlas.services.natech`; docs/natech.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from hazatlas.cli.common import AsOption, DbOption, handle_errors, open_db, principal, print_json

natech_app = typer.Typer(
    help="Natech screening: natural hazards at sites, damage and release of their units.",
    no_args_is_help=True,
)


@natech_app.command("screen")
@handle_errors
def screen(
    layers: Annotated[
        Path, typer.Option("--layers", help="Hazard layer manifest (TOML; docs/natech.md)")
    ],
    establishment: Annotated[
        list[str] | None,
        typer.Option("--establishment", help="Establishment id (repeatable; default: all)"),
    ] = None,
    country: Annotated[
        str | None, typer.Option("--country", help="only establishments of this ISO3 country")
    ] = None,
    event: Annotated[str | None, typer.Option(
        "--event", help="Layer id: the sites in its footprint (value above hazardous_above) "
        "and what they release together")] = None,
    export: Annotated[list[Path] | None, typer.Option(
        "--export", help="Write the ranking to FILE.csv or FILE.geojson (repeatable)")] = None,
    climate: Annotated[Path | None, typer.Option(
        "--climate", help="Change factor table (CSV; docs/natech.md, section Climate): each "
        "baseline layer scaled per scenario and horizon")] = None,
    design_return_period: Annotated[float | None, typer.Option(
        "--design-return-period", help="Return period (years) of today's design event whose "
        "shifted return period is given per scenario (default 100)")] = None,
    climate_export: Annotated[list[Path] | None, typer.Option(
        "--climate-export", help="Write the results side by side per scenario to FILE.csv or "
        "FILE.geojson (repeatable)")] = None,
    pathways: Annotated[bool, typer.Option(
        "--pathways", help="Pass every event's releases to the river or plume model and give "
        "the countries reached (needs --start; docs/natech.md, section Pathways)")] = False,
    start: Annotated[str | None, typer.Option(
        "--start", help="With --pathways: time of the events, ISO 8601 (arrival times, the "
        "month of the water temperature)")] = None,
    flow: Annotated[str, typer.Option("--flow", help="With --pathways: river flow, low | mean "
                                      "| high, or a discharge at the entry, e.g. 800m3/s")] = "high",
    days: Annotated[float, typer.Option("--days", help="With --pathways: horizon of the river "
                                        "runs, days")] = 30.0,
    wind_speed: Annotated[float, typer.Option("--wind-speed", help="With --pathways: wind "
                                              "speed for a gas release, m/s")] = 3.0,
    stability: Annotated[str, typer.Option("--stability", help="With --pathways: Pasquill "
                                           "class A-F")] = "D",
    wind_from: Annotated[float, typer.Option("--wind-from", help="With --pathways: wind "
                                             "direction (from), degrees")] = 270.0,
    network: Annotated[str | None, typer.Option(
        "--network", help="With --pathways: the river network, a stored network's name "
        "(hazatlas network list) or a GeoJSON/GeoPackage file; default: the bundled one")] = None,
    curves: Annotated[Path | None, typer.Option(
        "--curves", help="Custom fragility curve table (CSV; docs/natech.md, section Custom "
        "curves): a tank with tank_model = custom:NAME goes through curve NAME")] = None,
    default_curve: Annotated[str | None, typer.Option(
        "--default-curve", help="Curve of the --curves table for every tank that names no "
        "tank_model")] = None,
    db: str | None = DbOption,
    as_user: str | None = AsOption,
    as_json: Annotated[bool, typer.Option("--json", help="Print machine JSON")] = False,
) -> None:
    """Hazard per return period at each site, damage and release per unit, THI inputs."""
    from hazatlas.cli.natech_chain import _start
    from hazatlas.cli.scenario import _flow
    from hazatlas.services import natech, natech_climate, natech_curves, natech_region
    from hazatlas.services.natech_pathways import PathwayOptions

    options = None
    if pathways:
        if start is None:
            raise typer.BadParameter("--pathways needs the time of the events",
                                     param_hint="--start")
        options = PathwayOptions(_start(start), _flow(flow), days, wind_speed, stability,
                                 wind_from)
    else:
        given = [opt for opt, value, default in (
            ("--start", start, None), ("--flow", flow, "high"), ("--days", days, 30.0),
            ("--wind-speed", wind_speed, 3.0), ("--stability", stability, "D"),
            ("--wind-from", wind_from, 270.0), ("--network", network, None)) if value != default]
        if given:
            raise typer.BadParameter(f"{', '.join(given)}: only with --pathways",
                                     param_hint=given[0])
    table = natech_curves.load(curves, default_curve) if curves is not None else None
    natech_curves.check_default(table, default_curve)
    database = open_db(db)
    net = None
    if network is not None:
        from hazatlas.services.networks import resolve

        net = resolve(database, network)
    doc = natech.screen(database, principal(database, as_user), layers,
                        establishment_ids=establishment or (), country=country,
                        event_layer=event, climate=climate,
                        design_return_period_years=design_return_period, pathways=options,
                        network=net, curves=table, default_curve=default_curve)
    for path in export or []:
        natech_region.export(doc["ranking"], path, doc["layers"])
    for path in climate_export or []:
        if "climate" not in doc:
            raise typer.BadParameter("the manifest has no future layer and no --climate table "
                                     "was given: nothing to compare", param_hint="--climate-export")
        natech_climate.export(doc["climate"]["table"], path, doc["layers"])
    if as_json:
        print_json(doc)
        return
    _print(doc)


@natech_app.command("ensemble")
@handle_errors
def ensemble(
    layers: Annotated[
        Path, typer.Option("--layers", help="Hazard layer manifest (TOML; docs/natech.md)")
    ],
    climate: Annotated[Path | None, typer.Option(
        "--climate", help="Change factor table (CSV) applied to the baseline layers")] = None,
    establishment: Annotated[
        list[str] | None,
        typer.Option("--establishment", help="Establishment id (repeatable; default: all)"),
    ] = None,
    country: Annotated[
        str | None, typer.Option("--country", help="only establishments of this ISO3 country")
    ] = None,
    samples: Annotated[int, typer.Option("--samples", min=1, max=100_000,
                                         help="Samples per site")] = 200,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Seed of the random numbers")] = 1,
    chunk_size: Annotated[int, typer.Option("--chunk-size", min=1,
                                            help="Sites per chunk (one Dask task)")] = 2000,
    scheduler: Annotated[str | None, typer.Option(
        "--scheduler", help="Address of a running Dask scheduler (e.g. tcp://10.0.0.5:8786); "
        "default: a local cluster started for the run")] = None,
    workers: Annotated[int, typer.Option("--workers", min=1, max=256,
                                         help="Worker processes of the local cluster")] = 2,
    single_process: Annotated[bool, typer.Option(
        "--single-process", help="Run in this process (Dask's synchronous scheduler)")] = False,
    fill_low: Annotated[float | None, typer.Option("--fill-low", min=0.0, max=1.0,
                                                   help="Lowest sampled fill (0-1)")] = None,
    fill_high: Annotated[float | None, typer.Option("--fill-high", min=0.0, max=1.0,
                                                    help="Highest sampled fill (0-1)")] = None,
    fragility_sigma: Annotated[float | None, typer.Option(
        "--fragility-sigma", min=0.0, max=3.0, help="Log-sd of the fragility medians")] = None,
    intensity_sigma: Annotated[float | None, typer.Option(
        "--intensity-sigma", min=0.0, max=3.0, help="Log-sd of the site intensity")] = None,
    flow: Annotated[str, typer.Option(
        "--flow", help="River flow of the pathway to the first foreign country: sampled "
        "(log-uniform between the low and high flow of the site's reach), low, mean or high")
    ] = "sampled",
    dam_volume_sigma: Annotated[float, typer.Option(
        "--dam-volume-sigma", min=0.0, max=2.0,
        help="Log10-sd of a tailings dam's released volume (default 0: the paper's standard "
        "error was not retrieved)")] = 0.0,
    no_river: Annotated[bool, typer.Option(
        "--no-river", help="Leave out the river pathway to the first foreign country")] = False,
    progress: Annotated[bool, typer.Option("--progress/--no-progress",
                                           help="Progress bar on standard error")] = True,
    output: Annotated[Path | None, typer.Option("--output", help="Write the JSON to FILE")] = None,
    db: str | None = DbOption,
    as_user: str | None = AsOption,
    as_json: Annotated[bool, typer.Option("--json", help="Print machine JSON")] = False,
) -> None:
    """Ensemble on Dask: sites x return periods x climate scenarios x sampled uncertainty."""
    import dataclasses

    from hazatlas.services import natech_ensemble as ens

    if scheduler and single_process:
        raise typer.BadParameter("give --scheduler or --single-process, not both",
                                 param_hint="--scheduler")
    database = open_db(db)
    from hazatlas.models.natech.ensemble_pathways import FLOW_CHOICES

    if flow not in FLOW_CHOICES:
        raise typer.BadParameter(f"{flow!r}: expected one of {', '.join(FLOW_CHOICES)}",
                                 param_hint="--flow")
    inp = ens.prepare(database, principal(database, as_user), layers, climate=climate,
                      establishment_ids=establishment or (), country=country,
                      river=not no_river)
    u = ens.default_uncertainty(samples)
    u = dataclasses.replace(u, flow=flow, dam_volume_sigma_log10=dam_volume_sigma)
    given: dict[str, float | None] = {"fill_low": fill_low, "fill_high": fill_high, "fragility_sigma": fragility_sigma,
             "intensity_sigma": intensity_sigma}
    u = dataclasses.replace(u, **{k: v for k, v in given.items() if v is not None})  # type: ignore[arg-type]
    if u.fill_low > u.fill_high or u.fill_high <= 0:
        raise typer.BadParameter(f"fill range {u.fill_low:g}-{u.fill_high:g}: expected "
                                 "0 <= low <= high, high > 0", param_hint="--fill-low")
    runner = "single" if single_process else scheduler or "local"
    results = ens.run(inp.tanks, inp.hazards, len(inp.sites), u, seed=seed,
                      chunk_size=chunk_size, runner=runner, workers=workers, progress=progress,
                      dams=inp.dams, routes=inp.routes)
    label = {"single": "single process", "local": f"local cluster ({workers} workers)"}.get(
        runner, f"scheduler {runner}")
    doc = ens.document(inp, results, u, seed=seed, chunk_size=chunk_size, runner=label)
    if output is not None:
        import json

        output.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    if as_json:
        print_json(doc)
        return
    _print_ensemble(doc)


def _print_ensemble(doc: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table("site", "tanks", "scenario", "kg/year mean", "p05", "p50", "p95",
                  title=f"Natech ensemble: {doc['inputs']['samples']} samples, seed "
                  f"{doc['inputs']['seed']}, {doc['inputs']['runner']}")
    for site in doc["sites"]:
        for sc in site["scenarios"]:
            when = sc["scenario"] if sc["scenario"] == "baseline" else \
                f"{sc['scenario']} {sc['horizon']}"
            t = sc["release_per_year_kg"]["total"]
            table.add_row(site["establishment_id"], str(site["tanks"]), when,
                          *("-" if t[k] is None else f"{t[k]:.3g}"
                            for k in ("mean", "p05", "p50", "p95")))
    console.print(table)
    _print_pathways(console, doc)
    for w in doc["warnings"]:
        console.print(f"[yellow]warning:[/yellow] {w}")


def _print_pathways(console: Any, doc: dict[str, Any]) -> None:
    """The dams' released volume per year and the river pathway's border exceedances."""
    from rich.table import Table

    table = Table("site", "scenario", "dam m3/year mean", "first foreign country",
                  "border exceedances/year", title="Tailings dams and the river pathway")
    rows = 0
    for site in doc["sites"]:
        border = site.get("first_foreign_country") or {}
        for sc in site["scenarios"]:
            dam, river = sc.get("tailings_dam"), sc.get("river")
            if dam is None and river is None:
                continue
            when = sc["scenario"] if sc["scenario"] == "baseline" else \
                f"{sc['scenario']} {sc['horizon']}"
            mean = dam["release_per_year_m3"]["mean"] if dam else None
            per_year = ", ".join(f"{h} {v:.3g}" for h, v in
                                 river["exceedances_per_year"].items()
                                 if v is not None) if river else ""
            table.add_row(site["establishment_id"], when, "-" if mean is None else f"{mean:.3g}",
                          border.get("country") or "-", per_year or "-")
            rows += 1
    if rows:
        console.print(table)


def _print(doc: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    for site in doc["sites"]:
        console.print(f"[bold]{site['name']}[/bold] ({site['establishment_id']}, {site['country']})")
        hazards = Table("layer", "hazard", "RP (y)", "scenario", "value", "status",
                        "to hazard (m)")
        for h in site["hazards"]:
            when = h["scenario"] if h["scenario"] == "baseline" else f"{h['scenario']} {h['horizon']}"
            value = "-" if h["value"] is None else f"{h['value']:.3g} {h['unit']}"
            dist = "-" if h["distance_to_hazard_m"] is None else f"{h['distance_to_hazard_m']:.0f}"
            hazards.add_row(h["layer_id"], h["hazard"], f"{h['return_period_years']:g}", when,
                            value, h["status"], dist)
        console.print(hazards)
        for u in site["units"]:
            unit = u["unit"]
            for hazard, per in u["release_per_year"].items():
                for when, kg in per.items():
                    console.print(f"  {unit['unit_id']} ({unit['substance']}), {hazard}, {when}: "
                                  f"expected release {kg:.3g} kg/year")
        if site["thi"] is not None:
            console.print(f"  THI {site['thi']['value']:.1f} (inputs {site['thi']['inputs']})")
        for ev in site.get("pathways", {}).get("events", []):
            first = ("" if ev["first_foreign_arrival_h"] is None else
                     f"; first abroad {ev['first_foreign_country']} after "
                     f"{ev['first_foreign_arrival_h']:g} h")
            console.print(f"  {ev['hazard']} {ev['return_period_years']:g} y {ev['scenario']}: "
                          f"reaches {', '.join(ev['countries_reached']) or 'no country'}{first}")
        for w in site["warnings"]:
            console.print(f"  [yellow]warning:[/yellow] {w}")
    ranking = Table("rank", "site", "country", "tanks kg/year", "dam m3/year", "THI")
    for r in doc["ranking"]:
        ranking.add_row(str(r["rank"]), r["establishment_id"], r["country"],
                        f"{r['tank_release_per_year_kg']:.3g}",
                        f"{r['dam_release_per_year_m3']:.3g}",
                        "-" if r["thi"] is None else f"{r['thi']:.1f}")
    console.print(ranking)
    if "custom_curves" in doc:
        cc = doc["custom_curves"]
        console.print(f"custom curves of {cc['file']}: " + "; ".join(
            f"{c['curve']} ({c['hazard']} {c['intensity_measure']} in {c['unit']}; source: "
            f"{c['source']})" for c in cc["curves"]))
    for layer in doc["layers"]:
        if layer["licence_notice"]:
            console.print(f"[yellow]licence:[/yellow] {layer['licence_notice']}")
    if "climate" in doc:
        _print_climate(console, doc["climate"])
    if "event" in doc:
        ev = doc["event"]
        console.print(f"event {ev['layer_id']}: {len(ev['sites'])} sites in the footprint "
                      f"({', '.join(ev['countries']) or 'none'}), {ev['sites_failing']} "
                      f"releasing, {ev['tank_release_kg']:.3g} kg from tanks and "
                      f"{ev['dam_release_m3']:.3g} m3 from dams together")


def _print_climate(console: Any, climate: dict[str, Any]) -> None:
    from rich.table import Table

    side = Table("site", "scenario", "from", "tanks kg/year", "x baseline", "dam m3/year",
                 "max flood m", "max PGA g", title="Climate: results side by side")
    for r in climate["table"]:
        when = r["scenario"] if r["scenario"] == "baseline" else f"{r['scenario']} {r['horizon']}"
        side.add_row(r["establishment_id"], when, r["from"], f"{r['tank_release_per_year_kg']:.3g}",
                     "-" if r["tank_release_ratio"] is None else f"{r['tank_release_ratio']:.3g}",
                     f"{r['dam_release_per_year_m3']:.3g}",
                     "-" if r["max_flood_depth_m"] is None else f"{r['max_flood_depth_m']:.3g}",
                     "-" if r["max_pga_g"] is None else f"{r['max_pga_g']:.3g}")
    console.print(side)
    for site in climate["sites"]:
        for s in site["shifted_return_periods"]:
            if s["return_period_years"] is None:
                continue
            sign = {"below": "< ", "above": "> "}.get(s["bound"], "")
            console.print(f"  {site['establishment_id']}: today's {s['design_return_period_years']:g}-"
                          f"year {s['hazard']} {s['intensity_measure']} under {s['scenario']} "
                          f"{s['horizon']}: every {sign}{s['return_period_years']:.3g} years")
    for note in climate["notes"]:
        console.print(f"  [yellow]note:[/yellow] {note}")


def register(app: typer.Typer) -> None:
    """Add the ``natech`` group to the ``hazatlas`` app."""
    from hazatlas.cli.natech_chain import chain_app, demo_layers

    natech_app.add_typer(chain_app, name="chain")
    natech_app.command("demo-layers")(handle_errors(demo_layers))
    from hazatlas.cli.natech_fetch import fetch

    natech_app.command("fetch")(handle_errors(fetch))
    from hazatlas.cli.natech_earthquake import demo_set, earthquake

    natech_app.command("earthquake")(handle_errors(earthquake))
    natech_app.command("demo-set")(handle_errors(demo_set))
    app.add_typer(natech_app, name="natech")
