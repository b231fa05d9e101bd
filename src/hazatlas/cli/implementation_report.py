"""``hazatlas implementation report``: the national implementation report of a country per
reporting round (create, show, text, refresh, sign-off, history, export, list); part of
``hazatlas implementation`` (:mod:`hazatlas.cli.implementation`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from hazatlas.cli.common import (
    AsOption,
    AtOption,
    DbOption,
    JsonOption,
    at_time,
    handle_errors,
    open_db,
    out,
    principal,
    print_json,
)

report_app = typer.Typer(help="National implementation report per reporting round: figures, "
                         "text per language, versions, sign-off, export.", no_args_is_help=True)
CountryArg = typer.Argument(..., help="ISO3 code of the country, e.g. SRB")
RoundArg = typer.Argument(..., help="the reporting round, e.g. 11th")



def _summary(doc: dict[str, Any]) -> None:
    from hazatlas.formats.implementation_report import value_text

    signed = (f"signed off by {doc['signed_off']['by']} {doc['signed_off']['at'][:10]}"
              if doc["signed_off"] else "draft")
    out.print(f"[bold]Implementation report {doc['country']} round {doc['round']}[/bold] "
              f"({doc['period']['start']} to {doc['period']['end']}): version {doc['version']}, "
              f"{signed}")
    for n, s in enumerate(doc["sections"], start=1):
        langs = ",".join(sorted(k for k, v in s["text"].items() if v)) or "-"
        out.print(f"{n}. {s['title']}  text: {langs}")
        for key in s["figure_keys"]:
            f = doc["figures"].get(key)
            if f:
                out.print(f"     {f['label']}: {value_text(f)}")


def _show(doc: dict[str, Any], json_out: bool) -> None:
    if json_out:
        print_json(doc)
    else:
        _summary(doc)


@report_app.command("create")
@handle_errors
def create(country: str = CountryArg, round_id: str = RoundArg,
           start: str = typer.Option(..., "--from", help="first day of the period"),
           end: str = typer.Option(..., "--to", help="last day of the period"),
           language: list[str] = typer.Option(..., "--language", help="a language (repeat)"),
           db: str | None = DbOption, as_user: str | None = AsOption, at: str | None = AtOption,
           json_out: bool = JsonOption) -> None:
    """Create the draft report, its figures computed now."""
    from hazatlas.services.selfassessment import reports

    database = open_db(db)
    _show(reports.create(database, principal(database, as_user), country, round_id, start, end,
                         language, now=at_time(at)), json_out)


@report_app.command("show")
@handle_errors
def show(country: str = CountryArg, round_id: str = RoundArg,
         version: int | None = typer.Option(None, "--version", min=1),
         db: str | None = DbOption, as_user: str | None = AsOption,
         json_out: bool = JsonOption) -> None:
    """The report (an earlier version with --version)."""
    from hazatlas.services.selfassessment import reports

    database = open_db(db)
    _show(reports.get(database, principal(database, as_user), country, round_id,
                      version=version), json_out)


@report_app.command("text")
@handle_errors
def text(country: str = CountryArg, round_id: str = RoundArg,
         section: str = typer.Argument(..., help="section key, e.g. prevention"),
         language: str = typer.Option(..., "--language"),
         file: Path = typer.Option(..., "--file", exists=True, dir_okay=False,
                                   help="UTF-8 text file"),
         db: str | None = DbOption, as_user: str | None = AsOption,
         json_out: bool = JsonOption) -> None:
    """Set a section's text in one language from a file (a new draft version)."""
    from hazatlas.domain.errors import Problem, ValidationError
    from hazatlas.services.selfassessment import reports

    try:
        body = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValidationError([Problem(file.name, None, "", "not UTF-8 text")]) from None
    database = open_db(db)
    _show(reports.set_text(database, principal(database, as_user), country, round_id, section,
                           language, body), json_out)


@report_app.command("refresh")
@handle_errors
def refresh(country: str = CountryArg, round_id: str = RoundArg, db: str | None = DbOption,
            as_user: str | None = AsOption, at: str | None = AtOption,
            json_out: bool = JsonOption) -> None:
    """Compute the figures again from the current data (a new draft version)."""
    from hazatlas.services.selfassessment import reports

    database = open_db(db)
    _show(reports.refresh(database, principal(database, as_user), country, round_id,
                          now=at_time(at)), json_out)


@report_app.command("sign-off")
@handle_errors
def sign_off(country: str = CountryArg, round_id: str = RoundArg,
             version: int | None = typer.Option(None, "--version", min=1,
                                                help="the version read (must be the current)"),
             db: str | None = DbOption, as_user: str | None = AsOption,
             at: str | None = AtOption, json_out: bool = JsonOption) -> None:
    """Sign off the current version (a user of the country's national authority, --as)."""
    from hazatlas.services.selfassessment import reports

    database = open_db(db)
    _show(reports.sign_off(database, principal(database, as_user), country, round_id,
                           version=version, now=at_time(at)), json_out)


@report_app.command("history")
@handle_errors
def history(country: str = CountryArg, round_id: str = RoundArg, db: str | None = DbOption,
            as_user: str | None = AsOption, json_out: bool = JsonOption) -> None:
    """Every saved revision: version, state, action, who and when."""
    from hazatlas.services.selfassessment import reports

    database = open_db(db)
    rows = reports.revisions(database, principal(database, as_user), country, round_id)
    if json_out:
        print_json(rows)
        return
    for r in rows:
        out.print(f"{r['revision']:>3}  v{r['version']}  {r['state']:<10} {r['action']:<9} "
                  f"{r['saved_by']}  {r['saved_at'][:19]}")


@report_app.command("export")
@handle_errors
def export(country: str = CountryArg, round_id: str = RoundArg,
           fmt: str = typer.Option("json", "--format", help="json or html"),
           language: str | None = typer.Option(None, "--language", help="for html"),
           version: int | None = typer.Option(None, "--version", min=1),
           output: Path | None = typer.Option(None, "--output", "-o", help="file (default stdout)"),
           db: str | None = DbOption, as_user: str | None = AsOption) -> None:
    """The report as JSON or as a printable HTML document in one of its languages."""
    from hazatlas.services.selfassessment import reports

    database = open_db(db)
    body = reports.export(database, principal(database, as_user), country, round_id, fmt,
                          language, version=version)
    if output is None:
        typer.echo(body, nl=False)
    else:
        output.write_text(body, encoding="utf-8")
        out.print(f"wrote {output}")


@report_app.command("list")
@handle_errors
def list_(country: str | None = typer.Option(None, "--country"), db: str | None = DbOption,
          as_user: str | None = AsOption, json_out: bool = JsonOption) -> None:
    """The reports the acting user may read."""
    from hazatlas.services.selfassessment import reports

    database = open_db(db)
    rows = reports.list_reports(database, principal(database, as_user), country)
    if json_out:
        print_json(rows)
        return
    for r in rows:
        out.print(f"{r['country']}  {r['round']}  v{r['version']}  {r['state']}")
