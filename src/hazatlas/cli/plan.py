"""``hazatlas plan``: joint contingency plans (create, show, edit-section from a file, link,
agree, adopt, check, diff, export, list); ``docs/plans.md``. The CLI acts as the local
administrator unless ``--as USER``; an administrator names the Party it acts for (``--party``).
``--at`` sets the clock of a state change or a status (ISO time with offset)."""

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
    settings,
)

plan_app = typer.Typer(help="Joint contingency plans: sections, links, agreement, adoption, review.",
                       no_args_is_help=True)
PartyOption = typer.Option(None, "--party", help="ISO3 of the Party acted for (administrators)")



def _summary(doc: dict[str, Any]) -> None:
    out.print(f"[bold]{doc['title']}[/bold] ({doc['id']}), {doc['form'].replace('_', ' ')}, "
              f"{doc['area_kind'].replace('_', ' ')} {doc['area']}: version {doc['version']}, "
              f"{doc['status'].replace('_', ' ')}")
    out.print("  " + ", ".join(f"{s['party']} {s['state']}" for s in doc["states"]))
    if doc.get("review_due_on"):
        out.print(f"  review by {doc['review_due_on']} (adopted version {doc['adopted_version']})")
    for s in doc.get("sections", []):
        langs = ",".join(sorted(s["text"])) or "-"
        out.print(f"  {s['key']:<22} {s['owner']}  text: {langs:<10} links: {len(s['links'])}"
                  f"{'  public' if s['public'] else ''}")


def _show(doc: dict[str, Any], json_out: bool) -> None:
    if json_out:
        print_json(doc)
    else:
        _summary(doc)


@plan_app.command("list")
@handle_errors
def list_(db: str | None = DbOption, as_user: str | None = AsOption,
          at: str | None = AtOption, json_out: bool = JsonOption) -> None:
    """The plans the acting user may read."""
    from hazatlas.services import plans

    database = open_db(db)
    rows = plans.list_plans(database, principal(database, as_user), now=at_time(at))
    if json_out:
        print_json(rows)
        return
    for r in rows:
        out.print(f"{r['id']}  {r['title']}  {' '.join(r['parties'])}  v{r['version']}  {r['status']}")


@plan_app.command("create")
@handle_errors
def create(
    plan_id: str = typer.Argument(..., help="the plan's id"),
    title: str = typer.Option(..., "--title"),
    area_kind: str = typer.Option(..., "--area-kind", help="basin, border_area or site"),
    area: str = typer.Option(..., "--area", help="the basin, border area or site covered"),
    form: str = typer.Option(..., "--form",
                             help="joint_plan, harmonised_national_plans or standalone_agreement"),
    party: list[str] = typer.Option(..., "--party", help="ISO3 of a Party (repeat)"),
    language: list[str] = typer.Option(..., "--language", help="language of the plan (repeat)"),
    review_months: int = typer.Option(..., "--review-months", help="review interval in months"),
    trigger: list[str] = typer.Option([], "--trigger", help="a circumstance calling for review"),
    owner: list[str] = typer.Option([], "--owner", help="SECTION=ISO3 (default: the first Party)"),
    public: bool = typer.Option(False, "--public", help="the public may read its public sections"),
    db: str | None = DbOption, as_user: str | None = AsOption, json_out: bool = JsonOption,
) -> None:
    """Create a draft plan, every section empty."""
    from hazatlas.domain.errors import Problem, ValidationError
    from hazatlas.services import plans

    owners = {}
    for item in owner:
        key, sep, iso3 = item.partition("=")
        if not sep:
            raise ValidationError([Problem("parameter", None, "--owner",
                                           f"{item!r}: expected SECTION=ISO3")])
        owners[key.strip()] = iso3.strip()
    database = open_db(db)
    doc = plans.create(database, principal(database, as_user), plan_id=plan_id, title=title,
                       area_kind=area_kind, area=area, form=form, parties=party,
                       languages=language, review_interval_months=review_months,
                       public=public, review_triggers=trigger, owners=owners)
    _show(doc, json_out)


@plan_app.command("show")
@handle_errors
def show(plan_id: str = typer.Argument(...),
         version: int | None = typer.Option(None, "--version", min=1, help="an earlier version"),
         db: str | None = DbOption, as_user: str | None = AsOption, at: str | None = AtOption,
         json_out: bool = JsonOption) -> None:
    """A plan as the acting user may see it."""
    from hazatlas.services import plans

    database = open_db(db)
    _show(plans.get(database, principal(database, as_user), plan_id, version=version,
                    now=at_time(at)), json_out)


@plan_app.command("edit")
@handle_errors
def edit(plan_id: str = typer.Argument(...),
         title: str | None = typer.Option(None, "--title", help="the new title"),
         add_party: list[str] = typer.Option([], "--add-party", help="ISO3 of a new Party (repeat)"),
         remove_party: list[str] = typer.Option([], "--remove-party",
                                                help="ISO3 of a Party leaving (repeat)"),
         db: str | None = DbOption, as_user: str | None = AsOption, at: str | None = AtOption,
         json_out: bool = JsonOption) -> None:
    """Change the title or the Parties (a new version; Parties only while the plan is a draft)."""
    from hazatlas.services import plans

    database = open_db(db)
    who = principal(database, as_user)
    parties = None
    if add_party or remove_party:
        current = plans.get(database, who, plan_id)["parties"]
        parties = [p for p in current if p not in remove_party] + [
            p for p in add_party if p not in current]
    _show(plans.edit_plan(database, who, plan_id, title=title, parties=parties, now=at_time(at)),
          json_out)


@plan_app.command("edit-section")
@handle_errors
def edit_section(
    plan_id: str = typer.Argument(...), section: str = typer.Argument(..., help="section key"),
    file: Path = typer.Option(..., "--file", exists=True, dir_okay=False,
                              help="a JSON file {text: {lang: text}, covers, public, owner}, "
                                   "or with --language a plain text file"),
    language: str | None = typer.Option(None, "--language", help="the file is this language's text"),
    db: str | None = DbOption, as_user: str | None = AsOption, json_out: bool = JsonOption,
) -> None:
    """Edit one section from a file (a new version; every Party back to draft)."""
    from hazatlas.formats.plan_section import read_section_file
    from hazatlas.services import plans

    body = read_section_file(file, language)
    database = open_db(db)
    _show(plans.edit_section(database, principal(database, as_user), plan_id, section,
                             text=body.get("text"), covers=body.get("covers"),
                             public=body.get("public"), owner=body.get("owner")), json_out)


@plan_app.command("link")
@handle_errors
def link(plan_id: str = typer.Argument(...), section: str = typer.Argument(...),
         kind: str = typer.Argument(..., help="establishment, scenario, contact or report_type"),
         target: str = typer.Argument(..., help="its id (a report type's name)"),
         note: str = typer.Option("", "--note"),
         db: str | None = DbOption, as_user: str | None = AsOption,
         json_out: bool = JsonOption) -> None:
    """Link a register site, a stored scenario, a point of contact or a report type."""
    from hazatlas.services import plans

    database = open_db(db)
    _show(plans.link(database, principal(database, as_user), plan_id, section, kind, target,
                     note), json_out)


@plan_app.command("agree")
@handle_errors
def agree(plan_id: str = typer.Argument(...), party: str | None = PartyOption,
          db: str | None = DbOption, as_user: str | None = AsOption, at: str | None = AtOption,
          json_out: bool = JsonOption) -> None:
    """The acting Party agrees the current version."""
    from hazatlas.services import plans

    database = open_db(db)
    _show(plans.agree(database, principal(database, as_user), plan_id, party, now=at_time(at)), json_out)


@plan_app.command("adopt")
@handle_errors
def adopt(plan_id: str = typer.Argument(...), party: str | None = PartyOption,
          db: str | None = DbOption, as_user: str | None = AsOption, at: str | None = AtOption,
          json_out: bool = JsonOption) -> None:
    """The acting Party adopts the version every Party agreed."""
    from hazatlas.services import plans

    database = open_db(db)
    _show(plans.adopt(database, principal(database, as_user), plan_id, party, now=at_time(at)), json_out)


@plan_app.command("check")
@handle_errors
def check(plan_id: str = typer.Argument(...), db: str | None = DbOption,
          as_user: str | None = AsOption, json_out: bool = JsonOption) -> None:
    """What each section still lacks against the element list (exit status 1 if incomplete)."""
    from hazatlas.services import plans

    database = open_db(db)
    report = plans.check(database, principal(database, as_user), plan_id)
    if json_out:
        print_json(report)
    else:
        for s in report["sections"]:
            if s["complete"]:
                out.print(f"{s['section']:<22} complete")
                continue
            parts = []
            if s["missing_elements"]:
                parts.append("elements " + ", ".join(e["element_id"] for e in s["missing_elements"]))
            if s["missing_languages"]:
                parts.append("text in " + ", ".join(s["missing_languages"]))
            if s["missing_links"]:
                parts.append("links to " + ", ".join(s["missing_links"]))
            if s["unknown_elements"]:
                parts.append("unknown elements " + ", ".join(s["unknown_elements"]))
            out.print(f"{s['section']:<22} {s['owner']} missing: " + "; ".join(parts))
    if not report["complete"]:
        raise typer.Exit(1)


@plan_app.command("diff")
@handle_errors
def diff(plan_id: str = typer.Argument(...), old: int = typer.Argument(..., min=1),
         new: int = typer.Argument(..., min=1), db: str | None = DbOption,
         as_user: str | None = AsOption, json_out: bool = JsonOption) -> None:
    """What changed from version OLD to NEW, per section and language."""
    from hazatlas.services import plans

    database = open_db(db)
    d = plans.diff(database, principal(database, as_user), plan_id, old, new)
    if json_out:
        print_json(d)
        return
    for s in d["sections"]:
        out.print(f"[bold]{s['section']}[/bold]")
        for t in s["text"]:
            typer.echo("\n".join(t["diff"]) or f"  {t['language']}: {t['change']}")
        for lk in s["links_added"]:
            out.print(f"  + {lk['kind']} {lk['target']}")
        for lk in s["links_removed"]:
            out.print(f"  - {lk['kind']} {lk['target']}")


@plan_app.command("export")
@handle_errors
def export(plan_id: str = typer.Argument(...),
           fmt: str = typer.Option("json", "--format", help="json, html or pdf"),
           language: str | None = typer.Option(None, "--language", "--lang",
                                               help="for html and pdf: one of the plan's languages"),
           output: Path | None = typer.Option(None, "--output", "-o",
                                              help="file (default stdout; required for pdf)"),
           db: str | None = DbOption, as_user: str | None = AsOption,
           at: str | None = AtOption) -> None:
    """The plan as JSON, or as a printable HTML or PDF document in one of its languages (PDF:
    printed by the Chromium of HAZATLAS_CHROMIUM)."""
    from hazatlas.domain.errors import Problem, ValidationError
    from hazatlas.services.plans.export import export_file

    if fmt == "pdf" and output is None:
        raise ValidationError([Problem("parameter", None, "--output",
                                       "a PDF is written to a file: give --output FILE")])
    database = open_db(db)
    done = export_file(database, principal(database, as_user), plan_id, fmt, language,
                       chromium=settings(db).chromium, now=at_time(at))
    if output is None:
        typer.echo(done.content.decode("utf-8"), nl=False)
    else:
        output.write_bytes(done.content)
        out.print(f"wrote {output} ({len(done.content)} bytes)")


def register(app: typer.Typer) -> None:
    app.add_typer(plan_app, name="plan")
