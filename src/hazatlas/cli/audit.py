"""``hazatlas audit verify``: check the hash-chained audit log of notifications."""

from __future__ import annotations

import typer

from hazatlas.cli.common import DbOption, handle_errors, open_db, print_json

audit_app = typer.Typer(help="The append-only, hash-chained audit log.", no_args_is_help=True)


@audit_app.command("verify")
@handle_errors
def verify(
    expected_head: str | None = typer.Option(
        None,
        "--expected-head",
        help="head hash kept elsewhere earlier: detects entries cut from the end of the log",
    ),
    db: str | None = DbOption,
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Verify every entry of the audit log; exit 1 if any past entry was changed.

    Prints the head hash: keep it outside the database and pass it back with
    --expected-head to detect entries removed from the end.
    """
    from hazatlas.services.notify import verify_audit

    database = open_db(db)
    try:
        result = verify_audit(database, expected_head)
    finally:
        database.dispose()
    if json_out:
        print_json(result)
    elif result["ok"]:
        # plain output: the head hash must not be wrapped (it is copied elsewhere)
        typer.echo(f"audit log OK: {result['entries']} entries; head {result['head']}")
    else:
        typer.echo(
            f"audit log BROKEN at entry {result['bad_seq']}: {result['reason']} "
            f"({result['entries']} entries)",
            err=True,
        )
    if not result["ok"]:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
