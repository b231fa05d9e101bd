"""``hazatlas public-info``: pages of information to the public about a hazardous activity
(``docs/public-information.md``): generate the draft from the register, edit a section, publish,
withdraw, show. The CLI acts as the local administrator unless ``--as USER``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from hazatlas.cli.common import (
    AsOption,
    DbOption,
    JsonOption,
    handle_errors,
    open_db,
    out,
    principal,
    print_json,
    settings,
)

public_info_app = typer.Typer(help="Information to the public: generate, edit, publish pages.",
                              no_args_is_help=True)


def _show(page: dict[str, Any]) -> None:
    out.print(f"[bold]{page['establishment_id']}[/bold] for the public of "
              f"{page['audience_iso3']} ({page['language']}): {page['status']}, draft "
              f"v{page['draft_version']}, published v{page['published_version'] or '-'}")
    if page["missing"]:
        out.print(f"  to write before publishing: {', '.join(page['missing'])}")
    for s in page.get("draft", {}).get("sections", []):
        edited = " (edited)" if s["edited"] else ""
        out.print(f"  [bold]{s['heading']}[/bold]{edited}: {s['text'] or '-'}")


@public_info_app.command("generate")
@handle_errors
def generate(establishment_id: str,
             audience: str | None = typer.Option(None, "--audience", help="ISO3 of the public "
                                                 "informed (default: the site's country)"),
             language: str | None = typer.Option(None, "--language"),
             discard_edits: bool = typer.Option(False, "--discard-edits",
                                                help="regenerate the sections the authority edited"),
             base_url: str | None = typer.Option(None, "--base-url", help="public address "
                                                 "(default: HAZATLAS_PUBLIC_URL)"),
             db: str | None = DbOption, as_user: str | None = AsOption,
             json_out: bool = JsonOption) -> None:
    """Generate (or regenerate) the draft page from the register."""
    from hazatlas.services import public_info

    database = open_db(db)
    page = public_info.generate(database, principal(database, as_user), establishment_id,
                                audience=audience, language=language,
                                keep_edits=not discard_edits,
                                base_url=base_url or settings(db).public_url)
    print_json(page) if json_out else _show(page)


@public_info_app.command("edit")
@handle_errors
def edit(establishment_id: str, audience: str, section: str,
         text_file: Path = typer.Argument(..., help="a text file with the section's text"),
         db: str | None = DbOption, as_user: str | None = AsOption,
         json_out: bool = JsonOption) -> None:
    """Rewrite one section of the draft from a text file."""
    from hazatlas.services import public_info

    database = open_db(db)
    page = public_info.edit(database, principal(database, as_user), establishment_id, audience,
                            {section: text_file.read_text(encoding="utf-8")})
    print_json(page) if json_out else _show(page)


@public_info_app.command("publish")
@handle_errors
def publish(establishment_id: str, audience: str, db: str | None = DbOption,
            as_user: str | None = AsOption, json_out: bool = JsonOption) -> None:
    """Publish the draft (refused while a required section is empty)."""
    from hazatlas.services import public_info

    database = open_db(db)
    page = public_info.publish(database, principal(database, as_user), establishment_id, audience)
    print_json(page) if json_out else _show(page)


@public_info_app.command("withdraw")
@handle_errors
def withdraw(establishment_id: str, audience: str, db: str | None = DbOption,
             as_user: str | None = AsOption, json_out: bool = JsonOption) -> None:
    """Take a page off the public site."""
    from hazatlas.services import public_info

    database = open_db(db)
    page = public_info.withdraw(database, principal(database, as_user), establishment_id,
                                audience)
    print_json(page) if json_out else _show(page)


@public_info_app.command("show")
@handle_errors
def show(establishment_id: str, db: str | None = DbOption, as_user: str | None = AsOption,
         json_out: bool = JsonOption) -> None:
    """Every page of a site with its draft (the site's authority)."""
    from hazatlas.services import public_info

    database = open_db(db)
    pages = public_info.pages(database, principal(database, as_user), establishment_id)
    if json_out:
        print_json(pages)
        return
    for page in pages:
        _show(page)


def register(app: typer.Typer) -> None:
    app.add_typer(public_info_app, name="public-info")
