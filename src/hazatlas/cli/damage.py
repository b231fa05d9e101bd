"""``hazatlas damage``: damage events of register sites (war, natural hazards, accidents).

``add`` records an event, ``list`` shows a site's events (or all), ``unassessed`` lists the
events no authority has assessed yet, ``assess`` marks one assessed. Access and the effect on
release and rank: ``docs/natech.md``, section "Damage events".
"""

from __future__ import annotations

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

damage_app = typer.Typer(help="Damage events of register sites: record, list, assess.",
                         no_args_is_help=True)

_CAUSES = "armed_conflict | natural_hazard | accident | other"
_EXTENTS = "none | minor | moderate | severe | destroyed"
_RELIABILITY = "confirmed_authority | confirmed_operator | satellite_imagery | media | unverified"


def _table(rows: list[dict]) -> None:
    t = Table("id", "site", "country", "date", "cause", "extent", "units", "reliability",
              "assessed", "source")
    for r in rows:
        cause = r["cause"] + (f" ({r['hazard_type']})" if r["hazard_type"] else "")
        units = ", ".join(r["affected_units"]) if r["affected_units"] is not None else "(withheld)"
        t.add_row(str(r["id"]), r["establishment_id"], r["country"], r["occurred_on"], cause,
                  r["extent"], units, r["reliability"], "yes" if r["assessed"] else "NO",
                  r["source"] + (f" {r['source_url']}" if r["source_url"] else ""))
    out.print(t)


@damage_app.command("add")
@handle_errors
def add(
    establishment: str = typer.Option(..., "--establishment", help="the site's id"),
    date: str = typer.Option(..., "--date", help="when it happened, YYYY-MM-DD"),
    cause: str = typer.Option(..., "--cause", help=_CAUSES),
    extent: str = typer.Option(..., "--extent", help=_EXTENTS),
    source: str = typer.Option(..., "--source", help="who reports it (text)"),
    reliability: str = typer.Option(..., "--reliability", help=_RELIABILITY),
    hazard: str | None = typer.Option(None, "--hazard", help="the natural hazard's type "
                                      "(cause natural_hazard): earthquake, flood, ..."),
    unit: list[str] = typer.Option([], "--unit", help="an affected unit (inventory line id, "
                                   "storage unit, 'line N' or 'dam'); repeatable"),
    url: str | None = typer.Option(None, "--url", help="the source's address (http/https)"),
    notes: str | None = typer.Option(None, "--notes", help="what was seen"),
    public: bool = typer.Option(False, "--public", help="readable by everyone (without the "
                                "affected units and notes); default: confidential like the "
                                "site's inventory"),
    db: str | None = DbOption, as_user: str | None = AsOption,
    json_out: bool = typer.Option(False, "--json", help="print machine-readable JSON"),
) -> None:
    """Record a damage event of a site (audited)."""
    from hazatlas.services.damage import DamageService

    database = open_db(db)
    doc = DamageService(database, principal(database, as_user)).add(establishment, {
        "occurred_on": date, "cause": cause, "extent": extent, "source": source,
        "reliability": reliability, "hazard_type": hazard, "affected_units": unit,
        "source_url": url, "notes": notes, "confidential": not public}, context="cli")
    if json_out:
        print_json(doc)
        return
    out.print(f"recorded damage event {doc['id']} of {doc['establishment_id']} (unassessed)")


@damage_app.command("list")
@handle_errors
def list_events(
    establishment: str | None = typer.Option(None, "--establishment", help="only this site"),
    country: str | None = typer.Option(None, "--country", help="only sites of this ISO3 country"),
    db: str | None = DbOption, as_user: str | None = AsOption,
    json_out: bool = typer.Option(False, "--json", help="print machine-readable JSON"),
) -> None:
    """Damage events the user may see, newest first."""
    from hazatlas.services.damage import DamageService

    database = open_db(db)
    svc = DamageService(database, principal(database, as_user))
    rows = svc.for_site(establishment) if establishment else svc.visible_events(country=country)
    print_json(rows) if json_out else _table(rows)


@damage_app.command("unassessed")
@handle_errors
def unassessed(
    country: str | None = typer.Option(None, "--country", help="only sites of this ISO3 country"),
    db: str | None = DbOption, as_user: str | None = AsOption,
    json_out: bool = typer.Option(False, "--json", help="print machine-readable JSON"),
) -> None:
    """Sites with damage no authority has assessed yet: their unassessed events."""
    from hazatlas.services.damage import DamageService

    database = open_db(db)
    rows = DamageService(database, principal(database, as_user)).visible_events(
        unassessed=True, country=country)
    if json_out:
        print_json(rows)
        return
    _table(rows)
    out.print(f"{len({r['establishment_id'] for r in rows})} site(s) with unassessed damage")


@damage_app.command("assess")
@handle_errors
def assess(
    event_id: int = typer.Argument(..., help="the damage event's id"),
    extent: str | None = typer.Option(None, "--extent", help=f"the assessed extent ({_EXTENTS}); "
                                      "default: as reported"),
    note: str | None = typer.Option(None, "--note", help="the assessment's note"),
    db: str | None = DbOption, as_user: str | None = AsOption,
    json_out: bool = typer.Option(False, "--json", help="print machine-readable JSON"),
) -> None:
    """Mark a damage event assessed (the site's national authority or an administrator)."""
    from hazatlas.services.damage import DamageService

    database = open_db(db)
    doc = DamageService(database, principal(database, as_user)).assess(
        event_id, extent=extent, note=note, context="cli")
    if json_out:
        print_json(doc)
        return
    out.print(f"damage event {event_id} assessed: {doc['extent']}")


def register(app: typer.Typer) -> None:
    app.add_typer(damage_app, name="damage")
