"""``hazatlas register``: import, export, list, show, history and delete establishments."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from hazatlas.cli.common import (
    AsOption,
    DbOption,
    err,
    handle_errors,
    open_db,
    out,
    principal,
    print_json,
)
from hazatlas.domain.errors import Problem, ValidationError

if TYPE_CHECKING:
    from hazatlas.services.register import RegisterService

register_app = typer.Typer(help="The register of hazardous activities.", no_args_is_help=True)


def _service(db: str | None, as_user: str | None) -> RegisterService:
    from hazatlas.services.register import RegisterService

    database = open_db(db)
    return RegisterService(database, principal(database, as_user))


@register_app.command("import")
@handle_errors
def import_(
    file: Path = typer.Argument(..., help="CSV, XLSX, GeoJSON or GeoPackage file"),
    crs: str | None = typer.Option(None, help="CRS of lon/lat columns, e.g. EPSG:32634 (default WGS 84)"),
    layer: str | None = typer.Option(None, help="GeoPackage layer"),
    fmt: str | None = typer.Option(None, "--format", help="csv, xlsx, geojson or gpkg (default: by extension)"),
    skip_invalid: bool = typer.Option(False, "--skip-invalid", help="import the good establishments and "
                                      "write the rejected rows to a file"),
    rejects: Path | None = typer.Option(None, help="where to write rejected rows (default FILE.rejects.csv)"),
    db: str | None = DbOption, as_user: str | None = AsOption,
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Import a register file (validated; all or nothing unless --skip-invalid)."""
    svc = _service(db, as_user)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=err, transient=True, disable=json_out) as progress:
        progress.add_task(f"importing {file.name}", total=None)
        report = svc.import_file(file, fmt=fmt, crs=crs, layer=layer, skip_invalid=skip_invalid,
                                 rejects=rejects)
    if json_out:
        print_json(report.to_dict())
        return
    s = report.summary
    out.print(f"{report.file}: {report.rows} rows, {report.establishments} establishments — "
              f"{len(s.created)} created, {len(s.updated)} updated, {len(s.unchanged)} unchanged")
    if report.problems:
        typer.echo(f"{report.rejected_rows} rows rejected, written to {report.rejects_file}:", err=True)
        for p in report.problems:
            typer.echo(f"  - {p}", err=True)


@register_app.command("export")
@handle_errors
def export(
    file: Path = typer.Argument(..., help="output file; the extension chooses the format"),
    fmt: str | None = typer.Option(None, "--format"),
    db: str | None = DbOption, as_user: str | None = AsOption,
) -> None:
    """Export the register (what the acting user may see) as CSV, XLSX, GeoJSON or GeoPackage."""
    n = _service(db, as_user).export_file(file, fmt=fmt)
    out.print(f"wrote {n} rows to {file}")


@register_app.command("list")
@handle_errors
def list_(
    country: str | None = typer.Option(None, help="ISO3"),
    kind: str | None = typer.Option(None, help="industrial or tailings"),
    bbox: str | None = typer.Option(None, help="min_lon,min_lat,max_lon,max_lat"),
    within: str | None = typer.Option(None, help="ISO3: points inside that country's polygon"),
    near: str | None = typer.Option(None, help="LON,LAT: the --limit nearest establishments, nearest first"),
    limit: int = typer.Option(1000, min=1), offset: int = typer.Option(0, min=0),
    db: str | None = DbOption, as_user: str | None = AsOption,
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """List establishments."""
    from hazatlas.api.schemas import feature
    from hazatlas.domain.register_query import BBox, RegisterQuery

    svc = _service(db, as_user)
    if near:
        try:
            lon, lat = (float(v) for v in near.split(","))
        except ValueError:
            raise ValidationError([Problem("parameter", None, "near", f"'{near}' is not LON,LAT")]) from None
        found = svc.nearest(lon, lat, limit)
        records, total = [r for r, _ in found], len(found)
    else:
        q = RegisterQuery(bbox=BBox.parse(bbox) if bbox else None, country=country,
                          within_country=within, kind=kind, limit=limit, offset=offset)
        records, total = svc.list(q)
    if json_out:
        print_json({"type": "FeatureCollection", "numberMatched": total,
                    "features": [feature(e, full) for e, full in records]})
        return
    t = Table("id", "name", "kind", "country", "status", "lat", "lon", "substances",
              title=f"{total} establishments")
    for e, full in records:
        t.add_row(e.id, e.name, str(e.kind), e.country_iso3, str(e.status), f"{e.lat:.4f}",
                  f"{e.lon:.4f}", str(len(e.inventory)) if full else "(confidential)")
    out.print(t)


@register_app.command("show")
@handle_errors
def show(establishment_id: str, db: str | None = DbOption, as_user: str | None = AsOption,
         json_out: bool = typer.Option(False, "--json")) -> None:
    """Show one establishment with its inventory."""
    from hazatlas.api.schemas import feature

    e, full = _service(db, as_user).get(establishment_id)
    data = feature(e, full, detail=True)
    if json_out:
        print_json(data)
        return
    p = data["properties"]
    out.print(f"[bold]{e.id}[/bold] {e.name} ({e.kind}, {e.country_iso3}, {e.status}) at "
              f"{e.lat:.5f}, {e.lon:.5f}")
    out.print(f"source: {p['source']}", markup=False)
    if not full:
        out.print("(confidential fields withheld)")
        return
    t = Table("substance", "CAS", "max quantity (kg)", "hazard statements", "basis")
    for i in e.inventory:
        t.add_row(i.substance_name, i.cas_number or "", f"{i.max_quantity_kg:,.0f}",
                  " ".join(i.hazard_statements), str(i.quantity_basis))
    out.print(t)


@register_app.command("history")
@handle_errors
def history(establishment_id: str, db: str | None = DbOption, as_user: str | None = AsOption,
            json_out: bool = typer.Option(False, "--json")) -> None:
    """Who changed what, and when. Confidential values of an entry are shown only to users
    entitled to them both when it was written (its level) and now."""
    entries = _service(db, as_user).history(establishment_id)
    if json_out:
        print_json([{"id": h.id, "action": h.action, "actor": h.actor, "at": h.at.isoformat(),
                     "changes": h.changes, "context": h.context, "disclosure": h.disclosure}
                    for h in entries])
        return
    t = Table("when (UTC)", "who", "action", "changed fields", "level", "context")
    for h in entries:
        t.add_row(h.at.strftime("%Y-%m-%d %H:%M:%S"), h.actor, h.action, ", ".join(h.changes),
                  h.disclosure, h.context or "")
    out.print(t)


@register_app.command("delete")
@handle_errors
def delete(establishment_id: str, db: str | None = DbOption, as_user: str | None = AsOption) -> None:
    """Delete an establishment (kept in the history)."""
    _service(db, as_user).delete(establishment_id, context="cli")
    out.print(f"deleted {establishment_id}")


def register(app: typer.Typer) -> None:
    app.add_typer(register_app, name="register")
