"""``hazatlas natech earthquake`` (one earthquake scenario at the register's sites) and
``hazatlas natech demo-set`` (the demo layer set over the whole demo region, with the demo
earthquake scenario); docs/natech.md."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from hazatlas.cli.common import AsOption, DbOption, open_db, principal, print_json

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine JSON")]


def _bbox(text: str) -> list[float]:
    from hazatlas.domain.errors import HazatlasError

    try:
        box = [float(v) for v in text.split(",")]
    except ValueError as exc:
        raise HazatlasError(f"--bbox: expected WEST,SOUTH,EAST,NORTH, got '{text}'") from exc
    if len(box) != 4:
        raise HazatlasError(f"--bbox: expected 4 numbers WEST,SOUTH,EAST,NORTH, got '{text}'")
    return box


def _scenario(name: str | None, scenario: str | None, magnitude: float | None,
              lon: float | None, lat: float | None, depth: float | None,
              gmpe: str | None) -> Any:
    from dataclasses import replace

    from hazatlas.domain.errors import HazatlasError
    from hazatlas.services.natech_earthquake import DEFAULT_GMPE, SCENARIOS, Scenario

    if scenario is not None:
        if scenario not in SCENARIOS:
            raise HazatlasError(f"--scenario: '{scenario}' is not a known scenario (one of "
                                f"{', '.join(SCENARIOS)})")
        given = [o for o, v in (("--magnitude", magnitude), ("--lon", lon), ("--lat", lat),
                                ("--depth", depth)) if v is not None]
        if given:
            raise HazatlasError(f"--scenario {scenario} sets the event: leave out "
                                f"{', '.join(given)}")
        s = SCENARIOS[scenario]
        return replace(s, gmpe=gmpe or s.gmpe, name=name or s.name)
    missing = [o for o, v in (("--magnitude", magnitude), ("--lon", lon), ("--lat", lat))
               if v is None]
    if missing:
        raise HazatlasError(f"give {', '.join(missing)} (or --scenario NAME)")
    assert magnitude is not None and lon is not None and lat is not None
    return Scenario(name=name or "scenario", magnitude=magnitude, lon=lon, lat=lat,
                    depth_km=10.0 if depth is None else depth, gmpe=gmpe or DEFAULT_GMPE)


def earthquake(
    magnitude: Annotated[float | None, typer.Option(
        "--magnitude", help="Magnitude (Mw for boatwright2003, Ms for singh1993)")] = None,
    lon: Annotated[float | None, typer.Option("--lon", help="Epicentre longitude, degrees")]
    = None,
    lat: Annotated[float | None, typer.Option("--lat", help="Epicentre latitude, degrees")]
    = None,
    depth: Annotated[float | None, typer.Option(
        "--depth", help="Focal depth, km (default 10)")] = None,
    gmpe: Annotated[str | None, typer.Option(
        "--gmpe", help="Ground-motion estimator: boatwright2003 (default) or singh1993")] = None,
    scenario: Annotated[str | None, typer.Option(
        "--scenario", help="A documented scenario instead of the event options: "
        "vrancea-1977")] = None,
    name: Annotated[str | None, typer.Option(
        "--name", help="Scenario name (letters, digits, '-'; used in the layer id)")] = None,
    establishment: Annotated[list[str] | None, typer.Option(
        "--establishment", help="Establishment id (repeatable; default: all)")] = None,
    country: Annotated[str | None, typer.Option(
        "--country", help="only establishments of this ISO3 country")] = None,
    write_layer: Annotated[Path | None, typer.Option(
        "--write-layer", help="Also write the PGA field as a GeoTIFF and its manifest "
        "entry into this folder (needs --bbox and --return-period)")] = None,
    bbox: Annotated[str | None, typer.Option(
        "--bbox", help="WEST,SOUTH,EAST,NORTH of the PGA GeoTIFF, degrees")] = None,
    cell: Annotated[float, typer.Option("--cell", help="Cell of the PGA GeoTIFF, degrees")]
    = 0.05,
    return_period: Annotated[float | None, typer.Option(
        "--return-period", help="Return period (years) to declare for the GeoTIFF layer (a "
        "scenario has none of its own; per-year figures of natech screen follow from it)")]
    = None,
    db: str | None = DbOption,
    as_user: str | None = AsOption,
    as_json: JsonOpt = False,
) -> None:
    """One earthquake: PGA at every site (GMPE), tank and dam results, sites failing together."""
    from hazatlas.domain.errors import HazatlasError
    from hazatlas.services import natech_earthquake as eq

    s = _scenario(name, scenario, magnitude, lon, lat, depth, gmpe)
    eq.check(s)
    if write_layer is not None and (bbox is None or return_period is None):
        raise HazatlasError("--write-layer needs --bbox and --return-period")
    database = open_db(db)
    doc = eq.run(database, principal(database, as_user), s,
                 establishment_ids=establishment or (), country=country)
    if write_layer is not None:
        assert bbox is not None and return_period is not None
        doc["layer"] = eq.write_layer(write_layer, s, bbox=_bbox(bbox), cell_deg=cell,
                                      return_period_years=return_period)
    if as_json:
        print_json(doc)
        return
    sc = doc["scenario"]
    typer.echo(f"earthquake SCENARIO {sc['name']} ({sc['gmpe_model']}, not a hazard map): "
               f"{sc['magnitude_type']} {sc['magnitude']:g} at {sc['lat']:g} N {sc['lon']:g} E, "
               f"depth {sc['depth_km']:g} km")
    for r in doc["sites"]:
        if r["pga_g"] is None:
            continue
        typer.echo(f"  {r['establishment_id']}: {r['hypocentral_distance_km']:.0f} km, PGA "
                   f"{r['pga_g']:.3f} g, tanks {r['tank_release_kg']:.3g} kg, dam "
                   f"{r['dam_release_m3']:.3g} m3")
    f = doc["failing_together"]
    typer.echo(f"failing together: {len(f['sites'])} sites in {', '.join(f['countries']) or '-'}"
               f"; tanks {f['tank_release_kg']:.3g} kg, dams {f['dam_release_m3']:.3g} m3")
    if doc["outside_validity"]:
        typer.echo(f"no PGA (beyond the estimator's distance range): "
                   f"{len(doc['outside_validity'])} sites")
    if "layer" in doc:
        typer.echo(f"wrote {doc['layer']['path']} (manifest {doc['layer']['manifest']})")


def demo_set(
    folder: Annotated[Path, typer.Argument(help="Folder to write the GeoTIFFs and layers.toml")],
    cell: Annotated[float, typer.Option("--cell", help="Cell of the flood proxy, degrees")]
    = 0.01,
    as_json: JsonOpt = False,
) -> None:
    """Write the demo layer set over every demo site's region: the flood PROXY and the
    Vrancea 1977 earthquake SCENARIO (what make demo serves)."""
    from hazatlas.services.natech_demo import write_demo_set

    doc = write_demo_set(folder, cell_deg=cell)
    if as_json:
        print_json(doc)
        return
    typer.echo(f"wrote {doc['manifest']} (flood PROXY and earthquake SCENARIO, not hazard maps):")
    for layer in doc["layers"]:
        typer.echo(f"  {layer['id']}: {layer['wet_cells']} of {layer['cells']} cells wet, "
                   f"max {layer['max_depth_m']:.2f} m")
    eq = doc["earthquake"]
    typer.echo(f"  {eq['layer_id']}: max PGA {eq['max_pga_g']:.3f} g")
