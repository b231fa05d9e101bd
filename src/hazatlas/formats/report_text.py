"""A report as readable text in the recipient's language: labelled fields, e-mail bodies.

Fixed fields (labels, report and accident types, severities) are translated through the gettext
catalogues (:mod:`hazatlas.formats.i18n`); the sender's free text is shown as written, in the
sender's own translation when one exists for the language. Every time is shown with its
offset, in the local time of the accident place when known, and in UTC.
"""

from __future__ import annotations

import datetime as dt
import html
import zoneinfo
from dataclasses import dataclass

from hazatlas.domain.notification import Report, ReportStatus, ReportType
from hazatlas.formats.i18n import label, tr


def format_time(value: dt.datetime, timezone: str | None = None) -> str:
    """``2026-03-01 14:05 UTC+02:00 (Europe/Bucharest) = 2026-03-01 12:05 UTC``.

    >>> format_time(dt.datetime(2026, 3, 1, 12, 5, tzinfo=dt.UTC), "Europe/Bucharest")
    '2026-03-01 14:05 UTC+02:00 (Europe/Bucharest) = 2026-03-01 12:05 UTC'
    """
    local = value
    zone = ""
    if timezone:
        try:
            local = value.astimezone(zoneinfo.ZoneInfo(timezone))
            zone = f" ({timezone})"
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            local = value
    offset = local.strftime("%z")
    offset = f"UTC{offset[:3]}:{offset[3:]}" if offset else "UTC"
    utc = value.astimezone(dt.UTC)
    if local.utcoffset() == dt.timedelta(0) and not zone:
        return f"{utc:%Y-%m-%d %H:%M} UTC"
    return f"{local:%Y-%m-%d %H:%M} {offset}{zone} = {utc:%Y-%m-%d %H:%M} UTC"


def format_mass(mass_kg: float | None, language: str) -> str:
    """``12.5 t`` from 12500 kg; "quantity unknown" (translated) for ``None``."""
    if mass_kg is None:
        return tr(language, "quantity unknown")
    if mass_kg >= 1000:
        return f"{mass_kg / 1000:g} t"
    return f"{mass_kg:g} kg"


def headline(report: Report, language: str) -> str:
    """Short title: ``EXERCISE – Early warning: Tailings dam failure – Baia Mare (ROU)``."""
    parts = []
    if report.status != ReportStatus.ACTUAL:
        parts.append(label(language, report.status))
    if report.type == ReportType.TEST:
        parts.append(tr(language, "Test message from {sender}", sender=report.sender_name))
        return " – ".join(parts)
    title = label(language, report.type)
    if report.response is not None:
        title += ": " + label(language, report.response.kind)
    if report.accident is not None:
        acc = report.accident
        title += ": " + label(language, acc.type)
        title += f" – {acc.place.description} ({acc.place.country_iso3})"
    parts.append(title)
    return " – ".join(parts)


def fields(report: Report, language: str) -> list[tuple[str, str]]:
    """The report as (translated label, value) pairs, empty values left out."""
    t = report.text_for(language)
    tz = report.accident.place.timezone if report.accident else None
    rows: list[tuple[str, str]] = [
        (tr(language, "Report type"), label(language, report.type)),
        (tr(language, "Sender"), f"{report.sender_name} ({report.sender_country_iso3})"),
        (tr(language, "Issued"), format_time(report.sent, tz)),
    ]
    if report.status != ReportStatus.ACTUAL:
        rows.insert(0, (tr(language, "Status"), label(language, report.status)))
    for ref in report.references:
        rows.append(
            (
                tr(language, "Follows report"),
                f"{ref.identifier} ({ref.sender}, {format_time(ref.sent, tz)})",
            )
        )
    if report.accident is not None:
        rows += _accident_rows(report, language)
    rows += [
        (tr(language, "Type and extent of the accident"), t.description),
        (tr(language, "Possible effects"), t.possible_effects),
        (tr(language, "Measures taken"), t.measures_taken),
        (tr(language, "Other information"), t.other_information),
    ]
    rows += _assistance_rows(report, language, tz)
    for area in report.areas:
        rows.append((tr(language, "Area that may be affected"), area.description))
    if report.expires is not None:
        rows.append((tr(language, "Valid until"), format_time(report.expires, tz)))
    if t.language != language and (t.description or t.possible_effects or t.measures_taken):
        rows.append(
            (
                "",
                tr(
                    language,
                    "Free text is in the sender's language ({language}).",
                    language=t.language,
                ),
            )
        )
    return [(k, v) for k, v in rows if v.strip()]


def _accident_rows(report: Report, language: str) -> list[tuple[str, str]]:
    acc = report.accident
    assert acc is not None
    place = acc.place.description
    if acc.place.lat is not None and acc.place.lon is not None:
        place += f" (lat {acc.place.lat:.5f}, lon {acc.place.lon:.5f})"
    subs = "; ".join(
        f"{s.name}{f' (CAS {s.cas})' if s.cas else ''}: {format_mass(s.quantity_kg, language)}"
        for s in acc.substances
    )
    situation = tr(language, "ongoing") if acc.ongoing else tr(language, "under control")
    return [
        (tr(language, "Type of accident"), label(language, acc.type)),
        (tr(language, "Time of accident"), format_time(acc.occurred_at, acc.place.timezone)),
        (tr(language, "Place"), f"{place}, {acc.place.country_iso3}"),
        (tr(language, "Situation"), situation),
        (tr(language, "Hazardous substances and quantities"), subs),
        (tr(language, "Severity of possible effects"), label(language, acc.severity)),
        (tr(language, "Certainty"), label(language, acc.certainty)),
    ]


def _assistance_rows(report: Report, language: str, tz: str | None) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    if (a := report.assistance) is not None:
        needed = "; ".join(
            f"{label(language, i.kind)}: {i.what}{f' ({i.quantity})' if i.quantity else ''}"
            for i in a.items
        )
        rows += [
            (tr(language, "Assistance needed"), needed),
            (tr(language, "Directed and received by"), a.who),
            (tr(language, "Where"), a.where),
            (tr(language, "With which means"), a.means),
            (tr(language, "Needed by"), format_time(a.needed_by, tz) if a.needed_by else ""),
            (tr(language, "Contact"), a.contact),
        ]
    if (r := report.response) is not None:
        rows += [
            (tr(language, "Response"), label(language, r.kind)),
            (tr(language, "Scope of the assistance"), r.scope),
            (tr(language, "Terms"), r.terms),
            (tr(language, "Reason"), r.reason),
            (
                tr(language, "Available from"),
                format_time(r.available_from, tz) if r.available_from else "",
            ),
        ]
    return rows


def description(report: Report, language: str) -> str:
    """Plain text of all fields, one ``label: value`` per line."""
    return "\n".join(f"{k}: {v}" if k else v for k, v in fields(report, language))


@dataclass(frozen=True)
class EmailContent:
    subject: str
    text: str
    html: str


def render_email(
    report: Report,
    language: str,
    *,
    ack_url: str | None = None,
    ack_expires: dt.datetime | None = None,
) -> EmailContent:
    """Subject, plain-text and HTML bodies of the e-mail for one recipient."""
    subject = headline(report, language)
    rows = fields(report, language)
    ack_lines: list[str] = []
    if ack_url:
        ack_lines = [tr(language, "Please acknowledge receipt of this message:"), ack_url]
        if ack_expires is not None:
            ack_lines.append(
                tr(language, "This link is valid until {time}.", time=format_time(ack_expires))
            )
    footer = tr(
        language,
        "Sent by hazatlas on behalf of {sender}. Report {id}.",
        sender=report.sender_name,
        id=report.id,
    )
    text = (
        "\n".join(
            [
                subject,
                "=" * min(len(subject), 72),
                "",
                description(report, language),
                "",
                *ack_lines,
                "",
                footer,
            ]
        )
        + "\n"
    )
    esc = html.escape
    table = "\n".join(
        f'<tr><th align="left">{esc(k)}</th><td>{esc(v).replace(chr(10), "<br>")}</td></tr>'
        for k, v in rows
    )
    ack_html = ""
    if ack_url:
        button = esc(tr(language, "Acknowledge receipt"))
        ack_html = (
            f'<p>{esc(ack_lines[0])}<br><a href="{esc(ack_url, quote=True)}">{button}</a></p>'
        )
        if len(ack_lines) > 2:
            ack_html += f"<p>{esc(ack_lines[2])}</p>"
    lang_attr = esc(language, quote=True)
    body = (
        f'<!DOCTYPE html>\n<html lang="{lang_attr}"><head><meta charset="utf-8">'
        f"<title>{esc(subject)}</title></head><body>\n<h1>{esc(subject)}</h1>\n"
        f"<table>\n{table}\n</table>\n{ack_html}\n<p><small>{esc(footer)}</small></p>\n"
        "</body></html>\n"
    )
    return EmailContent(subject, text, body)
