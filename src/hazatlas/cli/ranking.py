"""``hazatlas ranking``: accident risk spots per basin or country, as a table, JSON or a file."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from hazatlas.cli.common import (
    AsOption,
    DbOption,
    handle_errors,
    open_db,
    out,
    principal,
    print_json,
)


@handle_errors
def ranking(
    by: str = typer.Option("basin", "--by", help="group by 'basin' (river system) or 'country'"),
    country: str | None = typer.Option(None, help="only establishments of this ISO3 country"),
    basin: str | None = typer.Option(None, help="only this river system, e.g. Danube"),
    export: Path | None = typer.Option(None, help="write the ranking to a .csv or .geojson file"),
    layers: Path | None = typer.Option(None, "--layers", help="hazard layer manifest (TOML, "
                                       "docs/natech.md): the THI takes its earthquake and flood "
                                       "inputs from it"),
    db: str | None = DbOption, as_user: str | None = AsOption,
    json_out: bool = typer.Option(False, "--json", help="print machine-readable JSON"),
) -> None:
    """Rank accident risk spots by Water Risk Index (and THI for tailings facilities)."""
    from hazatlas.services import ranking as svc

    database = open_db(db)
    rows = svc.ranking(database, principal(database, as_user), group_by=by, country=country, basin=basin,
                       layers=layers)
    if export:
        svc.export_ranking(rows, export)
    if json_out:
        print_json(rows)
        return
    t = Table("group", "rank", "id", "name", "country", "WRI", "THI", "first foreign country",
              "river km", "hours (mean flow)", "damage")
    for r in rows:
        t.add_row(str(r["group"]), str(r["rank"] or ""), r["establishment_id"], r["name"], r["country"],
                  f"{r['wri']:.2f}" if r["wri"] is not None else "", f"{r['thi']:.1f}" if r["thi"] is not None else "",
                  r["first_foreign_country"] or "",
                  f"{r['first_foreign_river_km']:.0f}" if r["first_foreign_river_km"] is not None else "",
                  f"{r['first_foreign_travel_time_h_mean']:.0f}" if r["first_foreign_travel_time_h_mean"] is not None else "",
                  (r["reported_damage"] or "") + (" (unassessed)" if r["unassessed_damage"] else ""))
    out.print(t)
    if not layers and any(r["thi_missing"] for r in rows):
        out.print("THI without earthquake and flood inputs (scored as unknown): give --layers")
    if export:
        out.print(f"wrote {len(rows)} rows to {export}")


def register(app: typer.Typer) -> None:
    app.command("ranking")(ranking)
