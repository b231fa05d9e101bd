"""What the notification use cases share: the clock, audit events, the user's context and the
access rules of :mod:`hazatlas.domain.access` as they apply to the directory and to reports.

A national authority keeps its own country's directory entries and sends reports as its
country; an administrator does all. A report is read by the administrator, its sender's
country and the countries it was sent to (and by every Party's authority and basin body when
its disclosure is ``parties``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from hazatlas.domain.access import Principal, Role, can_write
from hazatlas.domain.errors import PermissionDeniedError, Problem, ValidationError
from hazatlas.services.settings import Settings
from hazatlas.storage import notifications as store
from hazatlas.storage.db import Database
from hazatlas.storage.notification_tables import DeliveryRow, ReportRow

#: Time to acknowledge a report before escalation, unless the sender gives another.
DEFAULT_ACK_WINDOW_S = 3600
#: A party of the directory: an ISO 3166-1 alpha-3 code or ``basin:NAME``.
PARTY = re.compile(r"^([A-Z]{3}|basin:[A-Za-z][A-Za-z .-]{0,90})$")


#: The clock of the notification records, when a caller sets one (:func:`clock`).
_CLOCK: ContextVar[Callable[[], dt.datetime] | None] = ContextVar("notify_clock", default=None)


def now() -> dt.datetime:
    """The current UTC time, or the time of the clock set by :func:`clock`."""
    set_clock = _CLOCK.get()
    return set_clock() if set_clock is not None else dt.datetime.now(dt.UTC)


@contextlib.contextmanager
def clock(source: Callable[[], dt.datetime]) -> Iterator[None]:
    """Within the block, the notification use cases take their times (created, issued,
    acknowledged, audit events) from ``source``: an exercise played on its own clock (a
    controlled clock in tests, ``services/exercises``) writes records that agree with it."""
    token = _CLOCK.set(source)
    try:
        yield
    finally:
        _CLOCK.reset(token)


def iso(value: dt.datetime | None) -> str | None:
    """A stored time as ISO 8601 text in UTC (``None`` stays ``None``)."""
    value = store.aware(value)
    return value.isoformat() if value else None


def audit_event(kind: str, actor: str, **fields: Any) -> dict[str, Any]:
    """An event for the audit chain (hashed and stored by ``store.append_audit``)."""
    return {"kind": kind, "at": now().isoformat(), "actor": actor, **fields}


def signing_key(settings: Settings) -> bytes:
    """The instance's secret key (``HAZATLAS_SECRET_KEY``) as bytes, for HMAC signatures."""
    return settings.secret_key.encode("utf-8")


@dataclass(frozen=True)
class Context:
    """One user of notifications: the database, who they are and the settings; the use
    cases share it and ask it what the user may do."""

    db: Database
    principal: Principal
    settings: Settings

    @property
    def sender(self) -> str:
        """The address this instance sends reports as."""
        return self.settings.smtp_from

    @property
    def actor(self) -> str:
        return self.principal.username

    def require_authority(self) -> None:
        """Only authority accounts read the directory and reports."""
        if self.principal.role not in (Role.ADMINISTRATOR, Role.NATIONAL, Role.BASIN):
            raise PermissionDeniedError(
                f"user '{self.principal.username}' ({self.principal.role}) may not read the "
                "directory or reports; an authority account is needed"
            )

    def check_party_write(self, party: str) -> None:
        """Each country keeps its own directory entries (basin bodies: the administrator)."""
        ok = self.principal.is_admin or (
            not party.startswith("basin:")
            and can_write(self.principal, party, "")
            and self.principal.role is Role.NATIONAL
        )
        if not ok:
            raise PermissionDeniedError(
                f"user '{self.principal.username}' ({self.principal.role}) may not change the "
                f"directory entries of {party}; each country keeps its own"
            )

    def can_read(self, r: ReportRow, parties: set[str]) -> bool:
        """Whether the user may read report ``r`` sent to ``parties``."""
        p = self.principal
        if p.is_admin:
            return True
        if p.role is Role.NATIONAL and p.country_iso3 in ({r.sender_country_iso3} | parties):
            return True
        if p.role is Role.BASIN and any(x.startswith("basin:") for x in parties):
            return True
        return r.disclosure == "parties" and (
            p.role is Role.BASIN or (p.role is Role.NATIONAL and p.party)
        )

    def owns_delivery(self, d: DeliveryRow) -> bool:
        """Whether the delivery went to the user's own country (or basin body)."""
        p = self.principal
        if p.role is Role.NATIONAL:
            return d.party == p.country_iso3
        return p.role is Role.BASIN and d.party.startswith("basin:")

    def is_sender_side(self, r: ReportRow) -> bool:
        """The administrator, or the authority of the country that sent ``r``."""
        return self.principal.is_admin or (
            self.principal.role is Role.NATIONAL
            and self.principal.country_iso3 == r.sender_country_iso3
        )

    def sender_country(self, data: Mapping[str, Any], default: str | None = None) -> str:
        """The country a report of the user is sent for (``data["sender_country"]``): a national
        user's own country, which they may name but never change (a national user can never send
        as another country); an administrator, who has no country of its own, names it (else
        ``default``, e.g. the country of the scenario's establishment). Others may not send."""
        given = data.get("sender_country") or None
        p = self.principal
        if p.role is Role.NATIONAL:
            if given and str(given).upper() != p.country_iso3:
                raise PermissionDeniedError(
                    f"user '{p.username}' is the national authority of {p.country_iso3} and "
                    f"sends for {p.country_iso3} only, not for {given}"
                )
            return str(p.country_iso3)
        if not p.is_admin:
            raise PermissionDeniedError(f"user '{p.username}' ({p.role}) may not send reports")
        given = given or default
        if not given:
            raise ValidationError(
                [
                    Problem(
                        "report",
                        None,
                        "sender_country",
                        "missing; an administrator must name the sending country "
                        "(hazatlas notify send --country ISO3, or sender_country in the report)",
                    )
                ]
            )
        return str(given)  # its form is checked with the report (report_validation)
