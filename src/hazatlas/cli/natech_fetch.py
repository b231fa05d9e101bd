"""``hazatlas natech fetch``: download an open hazard dataset into a folder and declare it.

``hazatlas natech fetch DATASET [--return-period T ...] [--scenario S] [--horizon Y ...]
[--model GCM] [--bbox W,S,E,N] --dest DIR [--base-url URL] [--checksums FILE] [--json]`` and
``hazatlas natech fetch --list`` (:mod:`hazatlas.services.hazard_fetch`; docs/natech.md,
section "Fetching the open datasets").
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer

from hazatlas.cli.common import print_json

MIRROR_ENV = "HAZATLAS_HAZARD_MIRROR"


def _bbox(text: str | None) -> list[float] | None:
    from hazatlas.domain.errors import HazatlasError

    if text is None:
        return None
    try:
        box = [float(v) for v in text.split(",")]
    except ValueError:
        box = []
    if len(box) != 4:
        raise HazatlasError(f"--bbox: expected 4 numbers WEST,SOUTH,EAST,NORTH, got '{text}'")
    return box


def _print_list(datasets: list[dict[str, Any]]) -> None:
    for d in datasets:
        scen = "; ".join(f"{s['scenario']} {', '.join(s['horizons'])}" for s in d["scenarios"])
        refuse = "  (licence: not fetched, user-supplied only)" \
            if d["licence_acceptance"] == "refuse" else ""
        address = d["base_url"] or ("download by hand: " + d["landing"] if refuse else
                                    "no known address: --base-url or a mirror")
        typer.echo(f"{d['id']}: {d['name']} {d['version']}{refuse}\n"
                   f"  {d['hazard']} {d['intensity_measure']} ({d['unit']}), {d['crs']}, "
                   f"{d['tiling']}; return periods {', '.join(map(str, d['return_periods']))}\n"
                   f"  scenarios: {scen}\n  licence: {d['licence']}\n"
                   f"  address ({d['status'].get('address', 'unconfirmed')}): {address}")


def fetch(
    dataset: Annotated[str | None, typer.Argument(
        help="Dataset id (see --list)")] = None,
    dest: Annotated[Path | None, typer.Option(
        "--dest", help="Folder for the files and layers.toml (created or extended)")] = None,
    return_period: Annotated[list[int] | None, typer.Option(
        "--return-period", help="Return period in years (repeatable; default: all offered)")]
    = None,
    scenario: Annotated[str, typer.Option(
        "--scenario", help="baseline (default) or a projection the dataset offers, e.g. RCP8.5")]
    = "baseline",
    horizon: Annotated[list[str] | None, typer.Option(
        "--horizon", help="Projection year (repeatable; default: all offered)")] = None,
    model: Annotated[str | None, typer.Option(
        "--model", help="Climate model of a projection (when the dataset has several)")] = None,
    bbox: Annotated[str | None, typer.Option(
        "--bbox", help="WEST,SOUTH,EAST,NORTH in degrees: the tiles to fetch (required for a "
        "tiled dataset) and the box the tiles are cut to; must meet the coverage")] = None,
    base_url: Annotated[str | None, typer.Option(
        "--base-url", help=f"Address holding the dataset's files in its layout (a mirror); "
        f"default: ${MIRROR_ENV}/DATASET when set, else the provider's")] = None,
    checksums: Annotated[Path | None, typer.Option(
        "--checksums", help="sha256sum file (HEX  NAME) to check the files against")] = None,
    retries: Annotated[int, typer.Option("--retries", help="Retries per file")] = 3,
    force: Annotated[bool, typer.Option(
        "--force", help="Download again files already in DEST")] = False,
    list_: Annotated[bool, typer.Option(
        "--list", help="List the datasets, their licences and addresses, and exit")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print machine JSON")] = False,
) -> None:
    """Download an open hazard dataset (JRC, GloFAS, WRI Aqueduct, ESHM20) and declare it."""
    from hazatlas.domain.errors import HazatlasError
    from hazatlas.services import hazard_fetch

    if list_:
        datasets = hazard_fetch.list_datasets()
        if as_json:
            print_json(datasets)
        else:
            _print_list(datasets)
        return
    if dataset is None or dest is None:
        raise HazatlasError("give DATASET and --dest DIR (or --list to see the datasets)")
    sel = hazard_fetch.select(dataset, return_periods=return_period or (), scenario=scenario,
                              horizons=horizon or (), model=model, bbox=_bbox(bbox),
                              base_url=base_url, mirror=os.environ.get(MIRROR_ENV) or None)
    sums = hazard_fetch.read_checksums(checksums) if checksums else None
    say = None if as_json else (lambda m: typer.echo(m, err=True))
    doc = hazard_fetch.fetch(sel, dest, checksums=sums, retries=retries, force=force,
                             progress=say)
    if as_json:
        print_json(doc)
        return
    layers: Any = doc["layers"]
    typer.echo(f"wrote {doc['manifest']}: {', '.join(layers)}")
    typer.echo(f"licence {doc['licence']}; attribution: {doc['attribution']}")
    notes: Any = doc["notes"]
    for note in notes:
        typer.echo(f"note: {note}")
