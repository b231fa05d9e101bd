"""``hazatlas demo``: create the SQLite database with the bundled geodata, the demo register and
the demo directory of contacts, then serve it with a loopback mail sink that receives what the
outbox sends (``/demo/mail`` shows it) and demo users who send and acknowledge reports."""

from __future__ import annotations

from pathlib import Path

import typer

from hazatlas.cli.common import handle_errors, open_db, out, principal, settings
from hazatlas.cli.serve import serve_database

#: the database layer's ``DEFAULT_SQLITE_PATH``, repeated so that ``hazatlas demo --help`` need not
#: import the database layer (a test checks that both are the same).
DEFAULT_SQLITE_PATH = Path("var") / "hazatlas.sqlite"


def prepare_demo(db: Path) -> dict[str, int]:
    from hazatlas.domain.reference import data_path
    from hazatlas.services import demo_mail, geodata
    from hazatlas.services.register import RegisterService

    database = open_db(db)
    counts = geodata.load_geodata(database)
    report = RegisterService(database, principal(database, None)).import_file(
        data_path("demo", "register.csv"))
    counts["establishments"] = report.establishments
    counts["created"] = len(report.summary.created)
    counts["contacts"] = demo_mail.seed_directory(database, settings(db))
    from hazatlas.services.damage_demo import seed_demo_events

    counts["damage_events"] = seed_demo_events(database, principal(database, None))
    from hazatlas.services.plans.demo import seed_demo_plan

    counts["plans"] = seed_demo_plan(database)  # the Danube Delta example (docs/plans.md)
    from hazatlas.services.exercises.demo import seed_demo_exercise

    # a finished table-top exercise of that plan (docs/exercises.md)
    counts["exercises"] = seed_demo_exercise(database, demo_mail.sender_settings(settings(db)))
    return counts


def _serve_with_mail(db: Path, host: str, port: int, mail_port: int) -> None:
    from hazatlas.services import demo_mail

    password = demo_mail.demo_password()
    names = demo_mail.seed_users(open_db(db), password)
    sink = demo_mail.MailSink(mail_port).start()
    out.print(f"demo mail sink on {demo_mail.LOOPBACK}:{sink.port}: the messages it receives are "
              f"at http://{host}:{port}/demo/mail")
    out.print(f"demo users (national authorities; {demo_mail.DEMO_BASIN_USER} a basin body): "
              f"{', '.join(names)}")
    out.print(f"password for this run: {password}")

    def on_app(app) -> None:  # type: ignore[no-untyped-def]
        from hazatlas.web import demo_mail as page

        page.install(app, sink)

    try:
        serve_database(db, host, port,
                       configure=lambda cfg: sink.settings(cfg, f"http://{host}:{port}"),
                       on_app=on_app)
    finally:
        sink.stop()


@handle_errors
def demo(db: Path = typer.Option(DEFAULT_SQLITE_PATH, "--db", help="SQLite file to create or refresh"),
         no_serve: bool = typer.Option(False, "--no-serve", help="only prepare the database"),
         host: str = typer.Option("127.0.0.1"), port: int = typer.Option(8000),
         mail: bool = typer.Option(True, "--mail/--no-mail",
                                   help="start the loopback mail sink (shown at /demo/mail) and "
                                        "the demo users"),
         mail_port: int = typer.Option(0, help="port of the mail sink on 127.0.0.1 (0: a free "
                                                "one)")) -> None:
    """Load the bundled geodata and the demo register into SQLite and serve it."""
    counts = prepare_demo(db)
    out.print(f"demo database {db}: {counts['countries']} countries, {counts['reaches']} river "
              f"reaches, {counts['establishments']} establishments ({counts['created']} new), "
              f"{counts['contacts']} demo contacts, {counts['damage_events']} demo damage records, "
              f"{counts['plans']} example plan and {counts['exercises']} example exercise added")
    if no_serve:
        return
    if mail:
        _serve_with_mail(db, host, port, mail_port)
    else:  # the instance sends as the demo's (the seeded exercise's reports are its reports)
        from hazatlas.services import demo_mail

        serve_database(db, host, port, configure=demo_mail.sender_settings)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
