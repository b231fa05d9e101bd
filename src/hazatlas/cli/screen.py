"""``hazatlas screen``: transboundary screening (borders, river path, indices).

Contract (kept stable; other tools call it)::

    hazatlas screen [--country ISO3] [--basin NAME] --json
    hazatlas screen --at LON,LAT --json
    hazatlas screen --check-network [--basin NAME] [--network FILE] --json

The first two print a JSON list, one object per establishment (or one for the ``--at`` point):
``establishment_id``, ``nearest_border`` {``country``, ``distance_km``}, ``location_flags``,
``reach_id``, ``downstream`` [{``country``, ``river_km``, ``travel_time_h`` {``low``,
``mean``, ``high``}}], ``wri``, ``thi``, ``consequence_class``; for a tailings facility of the
register ``thi_missing`` (the THI's earthquake and flood inputs not known; ``--layers`` gives
them, ``thi_inputs`` says from what); plus ``outlet``, ``snap``,
``warnings`` and more. ``--check-network`` prints instead the plausibility report of the
network's discharges and velocities (``hazatlas.geo.plausibility.report``: ``network``,
``reaches``, ``limits``, ``counts``, ``flags``, ``notes``). Errors go to stderr with exit
status 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from hazatlas.cli.common import AsOption, DbOption, handle_errors, out, print_json
from hazatlas.domain.errors import HazatlasError


def _parse_at(text: str) -> tuple[float, float]:
    parts = [p.strip() for p in text.split(",")]
    try:
        lon, lat = (float(p) for p in parts)
    except ValueError:
        raise HazatlasError(
            f"--at {text!r}: expected LON,LAT in WGS 84 degrees, e.g. --at 23.58,47.66"
        ) from None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise HazatlasError(
            f"--at {text!r}: longitude must be in [-180, 180], latitude in [-90, 90]"
        )
    return lon, lat


def _network(path: Path | None, dispersion: str | None, db: str | None = None) -> Any:
    from hazatlas.services.networks import BUNDLED, resolve

    stored = path is not None and str(path) != BUNDLED and not path.exists()
    if stored:
        from hazatlas.cli.common import open_db

    net = resolve(open_db(db) if stored else None, path)
    return net.with_dispersion_method(dispersion) if dispersion else net


def _read_pois(path: Path) -> list[Any]:
    import csv

    from hazatlas.domain.errors import Problem, ValidationError
    from hazatlas.services.screen import PointOfInterest

    if not path.exists():
        raise HazatlasError(f"--poi-file {path}: file not found")
    pois, problems = [], []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for row_no, row in enumerate(csv.DictReader(fh), start=2):
            try:
                pois.append(PointOfInterest(row["name"], float(row["lon"]), float(row["lat"])))
            except (KeyError, TypeError, ValueError):
                problems.append(
                    Problem(
                        path.name,
                        row_no,
                        "lon/lat",
                        "expected columns name, lon, lat with WGS 84 degrees",
                    )
                )
    if problems:
        raise ValidationError(problems)
    return pois


def _from_register(
    db: str | None,
    as_user: str | None,
    country: str | None,
    network: Any,
    pois: Any = (),
    layers: Path | None = None,
) -> list[dict[str, Any]]:
    from hazatlas.cli.common import open_db, principal
    from hazatlas.services.register import list_establishments
    from hazatlas.services.screen import screen_register
    from hazatlas.services.screen_indices import THI_NATURAL_INPUTS, thi_with_layers

    database = open_db(db)
    establishments = list_establishments(database, principal(database, as_user), country=country)
    results = screen_register(establishments, network=network, points_of_interest=pois)
    natural = thi_with_layers(establishments, layers) if layers is not None else {}
    for r in results:
        got = natural.get(r["establishment_id"])
        if got is not None:
            r.update(thi=got["thi"], thi_inputs=got["inputs"], thi_missing=got["missing"])
        elif r["thi"] is not None:  # the earthquake and flood inputs are not known
            r.update(thi_inputs=None, thi_missing=list(THI_NATURAL_INPUTS))
    return results


def _render(results: list[dict[str, Any]]) -> None:
    table = Table(title=f"Transboundary screening ({len(results)} sites)")
    for name in ("site", "border", "reach", "downstream (km / h mean)", "outlet", "WRI", "THI"):
        table.add_column(name)
    for r in results:
        nb = r["nearest_border"]
        border = f"{nb['country']} {nb['distance_km']:.1f} km" if nb["country"] else "-"
        down = ", ".join(
            f"{d['country']} {d['river_km']:.0f}/{d['travel_time_h']['mean']:.0f}"
            for d in r["downstream"]
        )
        outlet = r.get("outlet") or {}
        table.add_row(
            r["establishment_id"],
            border,
            f"{r.get('reach_name') or ''} ({r['reach_id']})" if r["reach_id"] else "-",
            down or "-",
            outlet.get("name", "-"),
            "-" if r["wri"] is None else f"{r['wri']:.2f}",
            "-" if r["thi"] is None else f"{r['thi']:.2f}",
        )
    out.print(table)


@handle_errors
def screen(
    country: str | None = typer.Option(
        None, "--country", help="only establishments of this country (ISO3)"
    ),
    basin: str | None = typer.Option(
        None, "--basin", help="only sites draining to this river system (e.g. Danube)"
    ),
    at: str | None = typer.Option(
        None, "--at", help="screen a point that is not in the register: LON,LAT"
    ),
    receiving_water: str | None = typer.Option(
        None,
        "--receiving-water",
        help="with --at: river name or reach:ID that receives the discharge",
    ),
    network_file: Path | None = typer.Option(
        None,
        "--network",
        help="river network: a stored network's name (hazatlas network list) or a "
        "GeoJSON/GeoPackage file (reach_id, next_down, ...); default: the bundled one",
    ),
    dispersion: str | None = typer.Option(
        None,
        "--dispersion",
        help="dispersion formula: fischer1975 (default), elder1959, liu1977, "
        "seo_cheong1998, deng2001, kashefipour_falconer2002, disley2015",
    ),
    poi_file: Path | None = typer.Option(
        None,
        "--poi-file",
        help="CSV of water intakes or other points of interest (columns name, lon, lat) to "
        "report on the downstream paths",
    ),
    layers: Path | None = typer.Option(
        None, "--layers", help="hazard layer manifest (TOML, docs/natech.md): the THI of "
        "tailings facilities takes its earthquake and flood inputs from it"),
    json_out: bool = typer.Option(False, "--json", help="print machine-readable JSON"),
    check_network: bool = typer.Option(
        False,
        "--check-network",
        help="instead of screening, check the network's discharges and velocities: reaches "
        "whose flow or velocity falls outside what their drainage length and the gauges allow "
        "(with --basin: that river system only)",
    ),
    db: str | None = DbOption,
    as_user: str | None = AsOption,
) -> None:
    """Screen sites for transboundary effects: nearest border, downstream countries, indices."""
    from hazatlas.services.screen import screen_point

    network = _network(network_file, dispersion, db)
    if check_network:
        _check_network(network, basin, json_out)
        return
    pois = _read_pois(poi_file) if poi_file else ()
    if at is not None:
        lon, lat = _parse_at(at)
        results = [
            screen_point(
                lon, lat, receiving_water=receiving_water, network=network, points_of_interest=pois
            )
        ]
    else:
        code = country.strip().upper() if country else None
        results = _from_register(db, as_user, code, network, pois, layers)
    if basin:
        results = _in_basin(results, basin, network)
    if json_out:
        print_json(results)
    else:
        _render(results)


def _check_network(network: Any, basin: str | None, json_out: bool) -> None:
    from hazatlas.geo.network import fold
    from hazatlas.geo.plausibility import report

    doc = report(network, {fold(basin)} if basin else None)
    if json_out:
        print_json(doc)
        return
    table = Table(title=f"Network check: {doc['reaches']} reaches, {len(doc['flags'])} flags")
    for name in ("reach", "river", "check", "Q low/mean/high m3/s", "message"):
        table.add_column(name)
    for f in doc["flags"]:
        q = f["discharge_m3_s"]
        table.add_row(str(f["reach_id"]), f["river"] or "-", f["code"],
                      f"{q['low']:g}/{q['mean']:g}/{q['high']:g}", f["message"])
    out.print(table)
    for note in doc["notes"]:
        out.print(f"note: {note}")


def _in_basin(results: list[dict[str, Any]], basin: str, network: Any) -> list[dict[str, Any]]:
    from hazatlas.geo.network import fold

    key = fold(basin)
    systems = network.attributes.get("system") or [""] * len(network)
    basins = network.attributes.get("basin") or [""] * len(network)
    keep = []
    for r in results:
        if r["reach_id"] is None:
            continue
        i = network.index_of(r["reach_id"])
        if key in (fold(systems[i]), fold(basins[i])):
            keep.append(r)
    return keep


def register(app: typer.Typer) -> None:
    app.command("screen")(screen)
