"""``hazatlas notify``: the outbox worker, reports (send, CAP), the directory of contacts,
communication tests, reachability and dead letters.

``hazatlas notify cap REPORT_ID`` and ``hazatlas notify send --file REPORT.json`` are kept
stable (scripts use them).
"""

from __future__ import annotations

import functools
import json
import signal
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer
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
    settings,
)
from hazatlas.cli.notify_draft import draft
from hazatlas.domain.errors import Problem, ValidationError

if TYPE_CHECKING:
    from hazatlas.delivery.outbox import Outbox
    from hazatlas.services.notify import NotifyService
    from hazatlas.services.store import Database

F = TypeVar("F", bound=Callable[..., Any])

notify_app = typer.Typer(help="Notifications between countries.", no_args_is_help=True)
contacts_app = typer.Typer(
    help="The directory of authorities and points of contact.", no_args_is_help=True
)
campaign_app = typer.Typer(
    help="Communication tests (Test messages to contacts).", no_args_is_help=True
)
notify_app.add_typer(contacts_app, name="contacts")
notify_app.add_typer(campaign_app, name="test-campaign")
notify_app.command("draft")(draft)

JsonOption = typer.Option(False, "--json", help="print machine-readable JSON")


_OPEN: list[Database] = []


def _open(db: str | None) -> Database:
    database = open_db(db)
    _OPEN.append(database)
    return database


def closing(func: F) -> F:
    """Dispose the databases a command opened (no connection outlives the command)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        finally:
            while _OPEN:
                _OPEN.pop().dispose()

    return wrapper  # type: ignore[return-value]


def _service(db: str | None, as_user: str | None) -> NotifyService:
    from hazatlas.services.notify import NotifyService

    database = _open(db)
    return NotifyService(database, principal(database, as_user), settings(db))


def _seconds(text: str, name: str) -> int:
    from hazatlas.formats.units import parse_quantity

    return round(parse_quantity(text, "s", name=name, default_unit="s"))


def _table(rows: Sequence[Mapping[str, Any]], columns: list[str], title: str) -> None:
    table = Table(title=title)
    for c in columns:
        table.add_column(c)
    for r in rows:
        table.add_row(*("" if r.get(c) is None else str(r.get(c)) for c in columns))
    out.print(table)


# --- worker --------------------------------------------------------------------------------


def build_outbox(
    db: str | None,
    threads: int,
    batch: int,
    lease_s: float,
    poll_s: float,
    base_delay_s: float | None = None,
) -> Outbox:
    """The worker over the configured database (also used by ``hazatlas serve``)."""
    from hazatlas.delivery.outbox import Outbox
    from hazatlas.delivery.retry import RetryPolicy
    from hazatlas.services.notify import outbox_config

    database = _open(db)
    retry = RetryPolicy(base_delay_s=base_delay_s) if base_delay_s is not None else None
    cfg = outbox_config(
        settings(db),
        database,
        threads=threads,
        batch=batch,
        lease_s=lease_s,
        poll_s=poll_s,
        retry=retry,
    )
    return Outbox(database, cfg)


@notify_app.command("worker")
@handle_errors
@closing
def worker(
    once: bool = typer.Option(False, "--once", help="deliver what is due now, then exit"),
    threads: int = typer.Option(4, min=1, max=64, help="delivery threads"),
    batch: int = typer.Option(20, min=1, max=1000, help="deliveries claimed per round"),
    lease: str = typer.Option(
        "60s",
        help="how long a claim lasts before another worker may take the delivery over (e.g. 60s)",
    ),
    poll: str = typer.Option("0.5s", help="pause when nothing is due"),
    retry_base: str | None = typer.Option(None, help="first retry delay (default 30s)"),
    db: str | None = DbOption,
) -> None:
    """Deliver the outbox by e-mail and webhook until stopped (SIGTERM or Ctrl-C)."""
    from hazatlas.formats.units import parse_quantity

    box = build_outbox(
        db,
        threads,
        batch,
        _seconds(lease, "--lease"),
        parse_quantity(poll, "s", name="--poll", default_unit="s"),
        _seconds(retry_base, "--retry-base") if retry_base else None,
    )
    if once:
        n = box.run_once()
        err.print(f"{n} deliveries attempted")
        return
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: box.stop())
    err.print(f"outbox worker running ({threads} threads); stop with Ctrl-C")
    n = box.run()
    err.print(f"worker stopped; {n} deliveries attempted")


@notify_app.command("escalate")
@handle_errors
@closing
def escalate(db: str | None = DbOption) -> None:
    """Escalate now every message not acknowledged in time (the worker also does this)."""
    from hazatlas.services.notify import escalate_due

    n = escalate_due(_open(db))
    out.print(f"{n} contact(s) escalated")


# --- reports -------------------------------------------------------------------------------


@notify_app.command("cap")
@handle_errors
@closing
def cap(report_id: str, db: str | None = DbOption, as_user: str | None = AsOption) -> None:
    """Print a report as a CAP 1.2 alert (XML)."""
    sys.stdout.buffer.write(_service(db, as_user).cap(report_id))
    sys.stdout.flush()


@notify_app.command("send")
@handle_errors
@closing
def send(
    file: Path = typer.Option(..., "--file", help="REPORT.json (see docs/notifications.md)"),
    to: list[str] = typer.Option(
        [],
        "--to",
        help="recipient: ISO3, basin:NAME or a contact id "
        "(repeat); default: proposed from the accident place",
    ),
    ack_window: str = typer.Option("1h", help="time to acknowledge before escalation"),
    draft: bool = typer.Option(False, "--draft", help="store without issuing"),
    country: str | None = typer.Option(
        None, "--country", metavar="ISO3", help="the sending country, for an administrator (who "
        "has none of its own; default: sender_country in the file); a national user sends for "
        "their own country only"
    ),
    db: str | None = DbOption,
    as_user: str | None = AsOption,
    json_out: bool = JsonOption,
) -> None:
    """Issue a report from a file to its recipients (the worker delivers it)."""
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValidationError([Problem(file.name, None, "", f"cannot read JSON: {exc}")]) from exc
    if country is not None and isinstance(data, dict):
        named = data.get("sender_country")
        if named and named != country:
            raise ValidationError([Problem(file.name, None, "sender_country",
                                           f"the file sends for {named}, --country for {country}"
                                           "; change one")])
        data["sender_country"] = country
    svc = _service(db, as_user)
    recipients = list(to) or svc.proposed_recipients(data, file.name)
    view = svc.create_report(
        data,
        recipients,
        issue=not draft,
        ack_window_s=_seconds(ack_window, "--ack-window"),
        source=file.name,
    )
    if json_out:
        print_json(
            {k: view[k] for k in ("id", "state", "type", "status")}
            | {"deliveries": len(view["deliveries"]), "recipients": recipients}
        )
        return
    out.print(
        f"report {view['id']} {view['state']}: {len(view['deliveries'])} deliveries to "
        f"{', '.join(recipients)}"
    )


@notify_app.command("list")
@handle_errors
@closing
def list_(
    db: str | None = DbOption,
    as_user: str | None = AsOption,
    json_out: bool = JsonOption,
    limit: int = typer.Option(50),
) -> None:
    """Reports you may read, newest first."""
    rows = _service(db, as_user).list_reports(limit=limit)
    if json_out:
        print_json(rows)
        return
    _table(rows, ["id", "type", "status", "state", "sender_country", "issued_at"], "reports")


@notify_app.command("show")
@handle_errors
@closing
def show(report_id: str, db: str | None = DbOption, as_user: str | None = AsOption) -> None:
    """A report and its deliveries as JSON."""
    print_json(_service(db, as_user).get_report(report_id))


@notify_app.command("ack")
@handle_errors
@closing
def ack(
    report_id: str,
    contact: str | None = typer.Option(None, help="contact id"),
    db: str | None = DbOption,
    as_user: str | None = AsOption,
) -> None:
    """Acknowledge receipt of a report for your country (or a named contact)."""
    print_json(_service(db, as_user).acknowledge(report_id, contact))


@notify_app.command("reachability")
@handle_errors
@closing
def reachability(
    db: str | None = DbOption, as_user: str | None = AsOption, json_out: bool = JsonOption
) -> None:
    """The date each contact last acknowledged a message."""
    rows = _service(db, as_user).reachability()
    if json_out:
        print_json(rows)
        return
    _table(
        rows,
        ["contact_id", "party", "role", "available_24_7", "last_acknowledged_at"],
        "reachability",
    )


@notify_app.command("dead-letters")
@handle_errors
@closing
def dead_letters(
    db: str | None = DbOption,
    as_user: str | None = AsOption,
    json_out: bool = JsonOption,
    requeue: list[int] = typer.Option([], help="delivery id to send again"),
) -> None:
    """Deliveries that failed for good (and send some again with --requeue)."""
    svc = _service(db, as_user)
    for delivery_id in requeue:
        svc.requeue(delivery_id)
    rows = svc.dead_letters()
    if json_out:
        print_json(rows)
        return
    _table(rows, ["id", "report_id", "recipient_id", "attempts", "last_error"], "dead letters")


# --- directory -----------------------------------------------------------------------------


@contacts_app.command("list")
@handle_errors
@closing
def contacts_list(
    party: str | None = typer.Option(None, help="ISO3 or basin:NAME"),
    db: str | None = DbOption,
    as_user: str | None = AsOption,
    json_out: bool = JsonOption,
) -> None:
    """Authorities and their contacts."""
    rows = _service(db, as_user).directory(party)
    if json_out:
        print_json(rows)
        return
    flat = [c | {"authority": a["name"]} for a in rows for c in a["contacts"]]
    _table(
        flat,
        [
            "id",
            "party",
            "authority",
            "role",
            "email",
            "webhook_url",
            "languages",
            "escalation_order",
            "available_24_7",
        ],
        "directory",
    )


@contacts_app.command("add-authority")
@handle_errors
@closing
def add_authority(
    authority_id: str,
    name: str = typer.Option(...),
    country: str | None = typer.Option(None, help="ISO3"),
    basin: str | None = typer.Option(None, help="basin of a basin body"),
    kind: str = typer.Option("competent_authority"),
    db: str | None = DbOption,
    as_user: str | None = AsOption,
) -> None:
    """Create or update an authority of a country (or a basin body)."""
    _service(db, as_user).save_authority(
        {"id": authority_id, "name": name, "country": country, "basin": basin, "kind": kind}
    )
    out.print(f"authority {authority_id} saved")


@contacts_app.command("add")
@handle_errors
@closing
def add_contact(
    contact_id: str,
    authority: str = typer.Option(..., help="authority id"),
    name: str = typer.Option(...),
    role: str = typer.Option("ian_poc"),
    email: str | None = typer.Option(None),
    webhook: str | None = typer.Option(None, help="webhook URL (https)"),
    webhook_format: str = typer.Option("json", help="json or cap"),
    secret_ref: str | None = typer.Option(None, help="env:NAME or derived"),
    language: list[str] = typer.Option(["en"], help="language (repeat; first is preferred)"),
    order: int = typer.Option(1, help="place in the country's escalation order"),
    always: bool = typer.Option(False, "--24-7", help="staffed around the clock"),
    db: str | None = DbOption,
    as_user: str | None = AsOption,
) -> None:
    """Create or update a point of contact."""
    _service(db, as_user).save_contact(
        {
            "id": contact_id,
            "authority_id": authority,
            "name": name,
            "role": role,
            "email": email,
            "webhook_url": webhook,
            "webhook_format": webhook_format,
            "webhook_secret_ref": secret_ref,
            "languages": list(language),
            "escalation_order": order,
            "available_24_7": always,
        }
    )
    out.print(f"contact {contact_id} saved")


@contacts_app.command("remove")
@handle_errors
@closing
def remove_contact(
    contact_id: str, db: str | None = DbOption, as_user: str | None = AsOption
) -> None:
    """Delete a point of contact."""
    _service(db, as_user).delete_contact(contact_id)
    out.print(f"contact {contact_id} removed")


@contacts_app.command("secret")
@handle_errors
@closing
def contact_secret(
    contact_id: str, db: str | None = DbOption, as_user: str | None = AsOption
) -> None:
    """Print the webhook secret of a contact (to configure the receiving side)."""
    print(_service(db, as_user).contact_secret(contact_id))


# --- campaigns -----------------------------------------------------------------------------


@campaign_app.command("start")
@handle_errors
@closing
def campaign_start(
    name: str,
    window: str = typer.Option("1h", help="time to acknowledge"),
    party: list[str] = typer.Option([], help="only these (ISO3 or basin:NAME)"),
    sender_country: str | None = typer.Option(None, help="ISO3 (administrators)"),
    db: str | None = DbOption,
    as_user: str | None = AsOption,
    json_out: bool = JsonOption,
) -> None:
    """Send a Test message to every contact."""
    result = _service(db, as_user).start_campaign(
        name, _seconds(window, "--window"), party, sender_country
    )
    if json_out:
        print_json(result)
        return
    out.print(
        f"campaign {result['campaign_id']}: test report {result['report_id']} to "
        f"{result['contacts']} contacts"
    )


@campaign_app.command("report")
@handle_errors
@closing
def campaign_report(
    campaign_id: int,
    db: str | None = DbOption,
    as_user: str | None = AsOption,
    json_out: bool = JsonOption,
) -> None:
    """Who acknowledged the Test message within the time set."""
    result = _service(db, as_user).campaign_result(campaign_id)
    if json_out:
        print_json(result)
        return
    _table(
        result["contacts"],
        ["contact_id", "party", "acknowledged_at", "within"],
        f"campaign {campaign_id} ({result['name']}): {result['acknowledged_within']} of "
        f"{result['total']} acknowledged within {result['window_s']} s",
    )


def register(app: typer.Typer) -> None:
    app.add_typer(notify_app, name="notify")
