"""``hazatlas classify``: Seveso III tier, Convention Annex I and reasons for each establishment.

Contract (kept stable; other tools call it)::

    hazatlas classify INVENTORY_FILE [--annex-version 1992|2006|2014] --json

prints a JSON list with one object per establishment (``establishment_id``, ``seveso_tier``,
``convention_hazardous_activity``, ``sums``, ``contributions``, ``reasons`` and more). Without a
file it classifies the register in the database. Errors go to stderr with exit status 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from hazatlas.cli.common import AsOption, DbOption, err, handle_errors, out, print_json

#: ``hazatlas.rules.convention.DEFAULT_ANNEX_VERSION``, repeated so that ``hazatlas classify
#: --help`` need not import the rules (a test checks that both are the same).
DEFAULT_ANNEX_VERSION = "2014"


def _render(results: list[dict[str, Any]]) -> None:
    table = Table(title=f"Identification ({len(results)} establishments)")
    for name in (
        "establishment",
        "Seveso tier",
        "Convention",
        "health L/U",
        "physical L/U",
        "environmental L/U",
        "first reason",
    ):
        table.add_column(name)
    for r in results:
        sums = r.get("sums") or {}
        cells = [
            f"{sums[g]['lower']:.2f} / {sums[g]['upper']:.2f}" if g in sums else ""
            for g in ("health", "physical", "environmental")
        ]
        hazardous = r.get("convention_hazardous_activity")
        table.add_row(
            str(r.get("establishment_id")),
            str(r.get("seveso_tier")),
            f"{'yes' if hazardous else 'no'} ({r.get('annex_version', '')})",
            *cells,
            (r.get("reasons") or [r.get("error", "")])[0],
        )
    out.print(table)


def _from_register(
    db: str | None, as_user: str | None, annex_version: str | None
) -> list[dict[str, Any]]:
    from hazatlas.cli import common
    from hazatlas.domain.classification import Classification
    from hazatlas.services.assessments import classify_register

    database = common.open_db(db)
    results = classify_register(database, common.principal(database, as_user), annex_version=annex_version)
    return [r.to_dict() if isinstance(r, Classification) else dict(r) for r in results]


@handle_errors
def classify(
    inventory_file: Path | None = typer.Argument(
        None,
        help="inventory CSV (columns: establishment_id, substance_name, cas_number, "
        "hazard_statements, clp_classification, seveso_categories, seveso_entry, quantity, unit, "
        "cannot_initiate); without it the register in the database is classified",
    ),
    annex_version: str | None = typer.Option(
        None,
        "--annex-version",
        help="version of the Convention's Annex I the country applies: 1992, 2006 or 2014 "
        f"(default for a file: {DEFAULT_ANNEX_VERSION}; for the register: each country's setting)",
    ),
    json_out: bool = typer.Option(False, "--json", help="print machine-readable JSON"),
    db: str | None = DbOption,
    as_user: str | None = AsOption,
) -> None:
    """Identify hazardous activities: Seveso III tier, Convention Annex I, reasons."""
    from hazatlas.rules.convention import ANNEX_VERSIONS

    if annex_version is not None and annex_version not in ANNEX_VERSIONS:
        err.print(
            f"[red]error:[/red] --annex-version '{annex_version}' is not one of "
            f"{', '.join(ANNEX_VERSIONS)}",
            highlight=False,
        )
        raise typer.Exit(2)
    if inventory_file is None:
        results = _from_register(db, as_user, annex_version)
    else:
        from hazatlas.services import classify as classify_service

        version = annex_version or DEFAULT_ANNEX_VERSION
        found = classify_service.classify_inventory_file(inventory_file, version)
        results = [r.to_dict() for r in found]
    if json_out:
        print_json(results)
    else:
        _render(results)


def register(app: typer.Typer) -> None:
    app.command("classify")(classify)
