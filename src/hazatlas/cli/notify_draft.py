"""``hazatlas notify draft --scenario ID``: a report drafted from a stored scenario.

It prints the draft (``--json``: the report, the proposed recipients and the proposal) or
writes the ``REPORT.json`` document to ``--out`` for ``hazatlas notify send --file``. Nothing is
stored; an unknown or unreadable scenario or establishment exits with status 2 naming the field.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from hazatlas.cli.common import AsOption, DbOption, handle_errors, out, print_json
from hazatlas.domain.errors import Problem, ValidationError


@handle_errors
def draft(
    scenario: str = typer.Option(..., "--scenario", help="stored scenario id (hazatlas scenarios list)"),
    language: list[str] = typer.Option(
        ["en"], "--language", help="language of the text (repeat; the first is the original)"
    ),
    report_type: str = typer.Option("early_warning", "--type", help="early_warning or information"),
    status: str = typer.Option("actual", help="actual, exercise or test"),
    occurred_at: str | None = typer.Option(
        None, "--occurred-at", help="time of the accident, ISO 8601 with offset "
        "(default: the scenario's start, else now)"
    ),
    timezone: str | None = typer.Option(None, help="IANA time zone of the place (default: from the country)"),
    out_file: Path | None = typer.Option(None, "--out", help="write REPORT.json here"),
    country: str | None = typer.Option(
        None, "--country", metavar="ISO3", help="the sending country, for an administrator (who "
        "has none of its own; default: the country of the scenario's establishment); a national "
        "user sends for their own country only"
    ),
    db: str | None = DbOption,
    as_user: str | None = AsOption,
    json_out: bool = typer.Option(False, "--json", help="print machine-readable JSON"),
) -> None:
    """Draft a report from a scenario: accident, areas, per-country arrival and peak, recipients."""
    import datetime as dt

    from hazatlas.cli.notify import _service, closing

    when = None
    if occurred_at:
        try:
            when = dt.datetime.fromisoformat(occurred_at)
        except ValueError as exc:
            raise ValidationError(
                [Problem("parameter", None, "--occurred-at", f"'{occurred_at}' is not ISO 8601")]
            ) from exc

    @closing
    def run() -> dict:
        svc = _service(db, as_user)
        return dict(svc.draft_report(scenario, language, report_type=report_type, status=status,
                                     occurred_at=when, timezone=timezone,
                                     sender_country=country))

    got = run()
    if out_file is not None:
        out_file.write_text(json.dumps(got["report"], ensure_ascii=False, indent=2) + "\n",
                            encoding="utf-8")
    if json_out:
        print_json(got)
        return
    report = got["report"]
    acc = report["accident"]
    out.print(f"draft from scenario {got['scenario_id']} ({got['kind']}): {acc['type']} at "
              f"{acc['place']['description']} ({acc['place']['country']}), {acc['occurred_at']}")
    out.print(f"sending country: {got['sender_country'] or '-'} ({got['sender_country_basis']})")
    out.print(f"areas: {len(report['areas'])}")
    for line in report["texts"][0]["possible_effects"].splitlines():
        out.print(f"  {line}")
    recipients = got["recipients"]
    out.print(f"proposed recipients: {', '.join(recipients) or 'none in the directory'}")
    if out_file is not None:
        to = " ".join(f"--to {r}" for r in recipients)
        out.print(f"review {out_file}, then: hazatlas notify send --file {out_file} {to}".rstrip())
