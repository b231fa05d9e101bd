"""``hazatlas consultation``: consultations on a document (a plan, a report or a linked
document) with stakeholders' comments and the authority's answers (``docs/dialogue.md``). The
CLI acts as the local administrator unless ``--as USER``."""

from __future__ import annotations

from typing import Any

import typer

from hazatlas.cli.common import (
    AsOption,
    DbOption,
    JsonOption,
    handle_errors,
    open_db,
    out,
    parse_time,
    principal,
    print_json,
)

consultation_app = typer.Typer(help="Consultations with stakeholders: open, comment, answer.",
                               no_args_is_help=True)



def _show(doc: dict[str, Any]) -> None:
    subject = doc["subject_ref"] or doc["document_title"]
    out.print(f"[bold]{doc['title']}[/bold] ({doc['id']}, {doc['country_iso3']}), "
              f"{doc['subject_kind']} {subject}: {doc['phase']} "
              f"{doc['opens_at']} – {doc['closes_at']}")
    for c in doc.get("comments", []):
        private = " (private)" if c["private"] else ""
        out.print(f"  #{c['id']} {c['author']}{private}: {c['text']}")
        if c["answer"]:
            out.print(f"     answer ({c['answered_by']}): {c['answer']}")


@consultation_app.command("open")
@handle_errors
def open_(country: str = typer.Option(..., "--country", help="ISO3 of the consulting country"),
          title: str = typer.Option(..., "--title"),
          subject: str = typer.Option(..., "--on", help="plan, report or document"),
          ref: str | None = typer.Option(None, "--ref", help="the plan's or report's id"),
          document_title: str | None = typer.Option(None, "--document-title"),
          url: str | None = typer.Option(None, "--url", help="where the document is (http/https)"),
          description: str = typer.Option("", "--description"),
          opens: str = typer.Option(..., "--opens", help="ISO 8601 time with offset"),
          closes: str = typer.Option(..., "--closes", help="ISO 8601 time with offset"),
          db: str | None = DbOption, as_user: str | None = AsOption,
          json_out: bool = JsonOption) -> None:
    """Open a consultation on a plan, a report or a document."""
    from hazatlas.services.dialogue import consultations

    database = open_db(db)
    doc = consultations.create(database, principal(database, as_user), country_iso3=country,
                               title=title, subject_kind=subject, subject_ref=ref,
                               document_title=document_title, document_url=url,
                               description=description, opens_at=parse_time(opens, "--opens", offset=True),
                               closes_at=parse_time(closes, "--closes", offset=True))
    print_json(doc) if json_out else _show(doc)


@consultation_app.command("list")
@handle_errors
def list_(db: str | None = DbOption, as_user: str | None = AsOption,
          json_out: bool = JsonOption) -> None:
    """The consultations the acting user may see."""
    from hazatlas.services.dialogue import consultations

    database = open_db(db)
    rows = consultations.list_consultations(database, principal(database, as_user))
    if json_out:
        print_json(rows)
        return
    for r in rows:
        out.print(f"{r['id']}  {r['country_iso3']}  {r['phase']:<8}  {r['closes_at'][:10]}  "
                  f"{r['comments']} comments ({r['unanswered']} unanswered)  {r['title']}")


@consultation_app.command("show")
@handle_errors
def show(consultation_id: int, db: str | None = DbOption, as_user: str | None = AsOption,
         json_out: bool = JsonOption) -> None:
    """A consultation with the comments the acting user may read."""
    from hazatlas.services.dialogue import consultations

    database = open_db(db)
    doc = consultations.get(database, principal(database, as_user), consultation_id)
    print_json(doc) if json_out else _show(doc)


@consultation_app.command("comment")
@handle_errors
def comment(consultation_id: int, text: str = typer.Argument(..., help="the comment"),
            organisation: str = typer.Option("", "--organisation"),
            private: bool = typer.Option(False, "--private",
                                         help="only the authority reads it"),
            db: str | None = DbOption, as_user: str | None = AsOption,
            json_out: bool = JsonOption) -> None:
    """Comment on an open consultation (a registered stakeholder, ``--as``)."""
    from hazatlas.services.dialogue import consultations

    database = open_db(db)
    doc = consultations.comment(database, principal(database, as_user), consultation_id, text,
                                organisation=organisation, private=private)
    print_json(doc) if json_out else out.print(f"comment {doc['id']} saved")


@consultation_app.command("answer")
@handle_errors
def answer(comment_id: int, text: str = typer.Argument(..., help="the answer"),
           db: str | None = DbOption, as_user: str | None = AsOption,
           json_out: bool = JsonOption) -> None:
    """The authority's answer to a comment."""
    from hazatlas.services.dialogue import consultations

    database = open_db(db)
    doc = consultations.answer(database, principal(database, as_user), comment_id, text)
    print_json(doc) if json_out else out.print(f"comment {doc['id']} answered")


def register(app: typer.Typer) -> None:
    app.add_typer(consultation_app, name="consultation")
