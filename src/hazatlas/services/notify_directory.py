"""The directory of competent authorities and points of contact, kept by each country for
itself (access through :mod:`hazatlas.domain.access`: a national authority writes its own
country's entries, an administrator all), and the pieces the notification use cases share.
Every write is audited in the hash chain."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import os
import re
import urllib.parse
from collections.abc import Sequence
from typing import Any

from hazatlas.delivery.netguard import AddressNotAllowed, Network, check_url, parse_networks
from hazatlas.delivery.signing import MIN_SECRET_BYTES
from hazatlas.domain.access import Principal, Role, can_write
from hazatlas.domain.errors import (
    HazatlasError,
    NotFoundError,
    PermissionDeniedError,
    Problem,
    ValidationError,
)
from hazatlas.domain.text import check_text
from hazatlas.services.settings import Settings
from hazatlas.storage import notifications as store
from hazatlas.storage.db import Database
from hazatlas.storage.notification_tables import AuthorityRow, ContactRow

log = logging.getLogger("hazatlas.notify")
DEFAULT_ACK_WINDOW_S = 3600
AUTHORITY_KINDS = ("competent_authority", "ian_poc", "basin_body", "civil_protection", "other")
CONTACT_ROLES = ("ian_poc", "alert_centre", "civil_protection", "competent_authority", "other")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,99}$")
_PARTY = re.compile(r"^([A-Z]{3}|basin:[A-Za-z][A-Za-z .-]{0,90})$")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# --- settings for the worker and the signatures --------------------------------------------


def _key(settings: Settings) -> bytes:
    return settings.secret_key.encode("utf-8")


class SecretUnavailable(HazatlasError):
    """A contact's webhook secret cannot be used (the message names no environment variable
    state: the caller may not be entitled to know it)."""


def allow_networks(settings: Settings) -> tuple[Network, ...]:
    """The networks of ``HAZATLAS_WEBHOOK_ALLOW_NETWORKS`` (an error names a bad entry)."""
    try:
        return parse_networks(settings.webhook_allow_networks)
    except ValueError as exc:
        raise HazatlasError(str(exc)) from exc


def derived_secret(settings: Settings, contact_id: str) -> bytes:
    """HMAC-SHA256 of ``HAZATLAS_SECRET_KEY`` and the contact id, as 64 hex characters."""
    mac = hmac.new(_key(settings), b"webhook-secret\n" + contact_id.encode(), hashlib.sha256)
    return mac.hexdigest().encode("ascii")


def env_secret_name(settings: Settings, ref: str) -> str | None:
    """The environment variable of an ``env:NAME`` reference, or ``None`` if it is not one;
    :class:`SecretUnavailable` if ``NAME`` lacks the configured prefix."""
    if not ref.startswith("env:"):
        return None
    name = ref[4:]
    prefix = settings.webhook_secret_env_prefix
    if not prefix or not name.startswith(prefix) or not re.fullmatch(r"[A-Z_][A-Z0-9_]*", name):
        raise SecretUnavailable(
            f"secret reference {ref!r}: environment secrets must be named "
            f"{prefix or '(no prefix configured)'}... (HAZATLAS_WEBHOOK_SECRET_ENV_PREFIX)"
        )
    return name


def webhook_secret(settings: Settings, ref: str | None, contact_id: str) -> bytes:
    """The shared secret of a contact's webhook from its reference (never stored in the table).

    Empty or ``derived``: derived from ``HAZATLAS_SECRET_KEY`` and the contact id (shown by
    ``hazatlas notify contacts secret`` and ``GET /api/notifications/contacts/{id}/secret``).
    ``env:NAME`` (set by an administrator only): the environment variable ``NAME``, which must
    start with ``HAZATLAS_WEBHOOK_SECRET_ENV_PREFIX`` and hold at least 16 bytes.
    """
    if ref in (None, "", "derived"):
        return derived_secret(settings, contact_id)
    name = env_secret_name(settings, ref)
    if name is None:
        raise SecretUnavailable(
            f"secret reference {ref!r} of {contact_id}: expected 'env:NAME' or 'derived'"
        )
    value = os.environ.get(name, "").encode("utf-8")
    if len(value) < MIN_SECRET_BYTES:
        raise SecretUnavailable(
            f"environment variable {name} (secret of {contact_id}) is not set or shorter than "
            f"{MIN_SECRET_BYTES} bytes"
        )
    return value


# --- views ---------------------------------------------------------------------------------


def _iso(value: dt.datetime | None) -> str | None:
    value = store.aware(value)
    return value.isoformat() if value else None


def authority_view(a: AuthorityRow, contacts: Sequence[ContactRow] = ()) -> dict[str, Any]:
    return {
        "id": a.id,
        "country": a.country_iso3,
        "basin": a.basin,
        "name": a.name,
        "kind": a.kind,
        "contacts": [contact_view(c) for c in contacts],
    }


def contact_view(c: ContactRow) -> dict[str, Any]:
    return {
        "id": c.id,
        "authority_id": c.authority_id,
        "party": c.party,
        "name": c.name,
        "role": c.role,
        "email": c.email,
        "webhook_url": c.webhook_url,
        "webhook_format": c.webhook_format,
        "webhook_secret_ref": c.webhook_secret_ref,
        "languages": list(c.languages or []),
        "available_24_7": c.available_24_7,
        "escalation_order": c.escalation_order,
        "active": c.active,
    }


def _audit(kind: str, actor: str, **fields: Any) -> dict[str, Any]:
    return {"kind": kind, "at": _now().isoformat(), "actor": actor, **fields}


class DirectoryService:
    """The directory as one user sees it (base of the notification service)."""

    def __init__(self, db: Database, principal: Principal, settings: Settings) -> None:
        self.db = db
        self.principal = principal
        self.settings = settings

    # -- access ---------------------------------------------------------------------------
    def _authority_user(self) -> None:
        if self.principal.role not in (Role.ADMINISTRATOR, Role.NATIONAL, Role.BASIN):
            raise PermissionDeniedError(
                f"user '{self.principal.username}' ({self.principal.role}) may not read the "
                "directory or reports; an authority account is needed"
            )

    def _check_party_write(self, party: str) -> None:
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

    # -- directory ------------------------------------------------------------------------
    def directory(self, party: str | None = None) -> list[dict[str, Any]]:
        self._authority_user()
        with self.db.transaction() as s:
            contacts: dict[str, list[ContactRow]] = {}
            for c in store.list_contacts(s, party):
                contacts.setdefault(c.authority_id, []).append(c)
            return [
                authority_view(a, contacts.get(a.id, [])) for a in store.list_authorities(s, party)
            ]

    def save_authority(self, data: dict[str, Any]) -> dict[str, Any]:
        check_text(data, "request")
        problems = _check_authority(data)
        if problems:
            raise ValidationError(problems)
        party = data.get("country") or f"basin:{data.get('basin')}"
        self._check_party_write(party)
        with self.db.transaction() as s:
            store.begin_write(s)
            row = store.get_authority(s, data["id"])
            if row is not None:
                self._check_party_write(row.country_iso3 or f"basin:{row.basin}")
            action = "created" if row is None else "updated"
            if row is None:
                row = AuthorityRow(id=data["id"])
                s.add(row)
            row.country_iso3, row.basin = data.get("country"), data.get("basin")
            row.name, row.kind, row.updated_at = (
                data["name"],
                data.get("kind") or "competent_authority",
                _now(),
            )
            store.append_audit(
                s,
                [
                    _audit(
                        f"directory.authority.{action}",
                        self.principal.username,
                        authority=authority_view(row),
                    )
                ],
            )
            return authority_view(row)

    def delete_authority(self, authority_id: str) -> None:
        with self.db.transaction() as s:
            store.begin_write(s)
            row = store.get_authority(s, authority_id)
            if row is None:
                raise NotFoundError(f"authority '{authority_id}' not found")
            self._check_party_write(row.country_iso3 or f"basin:{row.basin}")
            for c in store.list_contacts(s):
                if c.authority_id == authority_id:
                    s.delete(c)
            s.delete(row)
            store.append_audit(
                s,
                [
                    _audit(
                        "directory.authority.deleted",
                        self.principal.username,
                        authority_id=authority_id,
                    )
                ],
            )

    def save_contact(self, data: dict[str, Any]) -> dict[str, Any]:
        check_text(data, "request")
        problems = _check_contact(data)
        if data.get("webhook_url") and not any(p.field == "webhook_url" for p in problems):
            problems += self._check_webhook_url(str(data["webhook_url"]))
        if problems:
            raise ValidationError(problems)
        with self.db.transaction() as s:
            store.begin_write(s)
            authority = store.get_authority(s, data["authority_id"])
            if authority is None:
                raise ValidationError(
                    [
                        Problem(
                            "request",
                            None,
                            "authority_id",
                            f"authority '{data['authority_id']}' not found",
                        )
                    ]
                )
            party = authority.country_iso3 or f"basin:{authority.basin}"
            self._check_party_write(party)
            row = store.get_contact(s, data["id"])
            if row is not None:
                self._check_party_write(row.party)
            ref = data.get("webhook_secret_ref") or None
            if ref and not (row is not None and row.webhook_secret_ref == ref):
                self._check_secret_ref(ref)
            before = contact_view(row) if row is not None else None
            if row is None:
                row = ContactRow(id=data["id"])
                s.add(row)
            row.authority_id, row.party, row.name = authority.id, party, data["name"]
            row.role = data.get("role") or "ian_poc"
            row.email, row.webhook_url = data.get("email") or None, data.get("webhook_url") or None
            row.webhook_format = data.get("webhook_format") or "json"
            row.webhook_secret_ref = data.get("webhook_secret_ref") or None
            row.languages = list(data.get("languages") or ["en"])
            row.available_24_7 = bool(data.get("available_24_7", False))
            row.escalation_order = int(data.get("escalation_order") or 1)
            row.active = bool(data.get("active", True))
            row.updated_at = _now()
            after = contact_view(row)
            store.append_audit(
                s,
                [
                    _audit(
                        "directory.contact." + ("created" if before is None else "updated"),
                        self.principal.username,
                        contact=after,
                        before=before,
                    )
                ],
            )
            return after

    def _check_webhook_url(self, url: str) -> list[Problem]:
        """Resolve the URL's host now: only public addresses (or allowed networks)."""
        try:
            check_url(url, allow_http=True, networks=allow_networks(self.settings))
        except AddressNotAllowed as exc:
            log.warning(
                "webhook URL %r of %s refused: %s", url, self.principal.username, exc.detail
            )
            return [Problem("request", None, "webhook_url", str(exc))]
        except ValueError as exc:
            return [Problem("request", None, "webhook_url", str(exc))]
        return []

    def _check_secret_ref(self, ref: str) -> None:
        """Only an administrator names environment secrets, from the configured prefix, and
        they must be set and long enough (a national authority learns nothing about them)."""
        if ref == "derived":
            return
        if not self.principal.is_admin:
            raise ValidationError(
                [
                    Problem(
                        "request",
                        None,
                        "webhook_secret_ref",
                        "only an administrator may name an environment secret; leave it empty "
                        "or give 'derived' for a secret derived for this contact (read it with "
                        "GET /api/notifications/contacts/{id}/secret)",
                    )
                ]
            )
        try:
            name = env_secret_name(self.settings, ref)
            if name is None:
                raise SecretUnavailable("expected 'env:NAME' or 'derived'")
            webhook_secret(self.settings, ref, "(new contact)")
        except SecretUnavailable as exc:
            raise ValidationError(
                [Problem("request", None, "webhook_secret_ref", str(exc))]
            ) from exc

    def delete_contact(self, contact_id: str) -> None:
        with self.db.transaction() as s:
            store.begin_write(s)
            row = store.get_contact(s, contact_id)
            if row is None:
                raise NotFoundError(f"contact '{contact_id}' not found")
            self._check_party_write(row.party)
            s.delete(row)
            store.append_audit(
                s,
                [
                    _audit(
                        "directory.contact.deleted", self.principal.username, contact_id=contact_id
                    )
                ],
            )

    def contact_secret(self, contact_id: str) -> str:
        """The webhook secret of a contact (to give to the receiver), for its writers only."""
        with self.db.transaction() as s:
            row = store.get_contact(s, contact_id)
            if row is None:
                raise NotFoundError(f"contact '{contact_id}' not found")
            self._check_party_write(row.party)
            if row.webhook_secret_ref not in (None, "", "derived") and not self.principal.is_admin:
                raise PermissionDeniedError(
                    f"the webhook secret of '{contact_id}' is set by the administrator; ask "
                    "the administrator for it"
                )
            return webhook_secret(self.settings, row.webhook_secret_ref, row.id).decode()

    def reachability(self) -> list[dict[str, Any]]:
        """Each contact with the time it last acknowledged a message (``None``: never)."""
        self._authority_user()
        with self.db.transaction() as s:
            last = store.last_acknowledged(s)
            return [
                {
                    "contact_id": c.id,
                    "party": c.party,
                    "name": c.name,
                    "role": c.role,
                    "available_24_7": c.available_24_7,
                    "active": c.active,
                    "last_acknowledged_at": _iso(last.get(c.id)),
                }
                for c in store.list_contacts(s)
            ]


# --- validation of directory input ---------------------------------------------------------


def _check_authority(d: dict[str, Any]) -> list[Problem]:
    p = []

    def bad(f: str, m: str) -> None:
        p.append(Problem("request", None, f, m))

    if not _ID.match(str(d.get("id") or "")):
        bad("id", "expected an identifier such as 'ROU/igsu' (letters, digits, _ . : / -)")
    if not str(d.get("name") or "").strip():
        bad("name", "must not be empty")
    country, basin = d.get("country"), d.get("basin")
    if bool(country) == bool(basin):
        bad(
            "country",
            "give the country (ISO3) of a national authority, or the basin of a basin body",
        )
    if country and not re.match(r"^[A-Z]{3}$", str(country)):
        bad("country", "expected an ISO 3166-1 alpha-3 code such as 'ROU'")
    if basin and not _PARTY.match(f"basin:{basin}"):
        bad("basin", "expected a basin name such as 'Danube'")
    if (d.get("kind") or "competent_authority") not in AUTHORITY_KINDS:
        bad("kind", f"expected one of {', '.join(AUTHORITY_KINDS)}")
    return p


def _check_contact(d: dict[str, Any]) -> list[Problem]:
    p = []

    def bad(f: str, m: str) -> None:
        p.append(Problem("request", None, f, m))

    if not _ID.match(str(d.get("id") or "")):
        bad("id", "expected an identifier such as 'ROU/ian-poc' (letters, digits, _ . : / -)")
    for key in ("authority_id", "name"):
        if not str(d.get(key) or "").strip():
            bad(key, "must not be empty")
    email, url = d.get("email"), d.get("webhook_url")
    if not email and not url:
        bad("email", "give an e-mail address or a webhook URL (or both)")
    if email and not re.match(r"^[^@\s<>]+@[^@\s<>]+$", str(email)):
        bad("email", f"{email!r} is not an e-mail address")
    elif email and not (str(email).isascii() and str(email).isprintable()):
        bad("email", f"{email!r}: write the address in ASCII (a domain in its xn-- form)")
    if url and urllib.parse.urlsplit(str(url)).scheme not in ("https", "http"):
        bad("webhook_url", "expected an https:// URL")
    if (d.get("webhook_format") or "json") not in ("json", "cap"):
        bad("webhook_format", "expected 'json' or 'cap'")
    ref = d.get("webhook_secret_ref")
    if ref and not (ref == "derived" or re.match(r"^env:[A-Z_][A-Z0-9_]*$", str(ref))):
        bad("webhook_secret_ref", "expected 'env:NAME' (an environment variable) or 'derived'")
    if (d.get("role") or "ian_poc") not in CONTACT_ROLES:
        bad("role", f"expected one of {', '.join(CONTACT_ROLES)}")
    langs = d.get("languages") or ["en"]
    if not isinstance(langs, list) or not all(
        re.match(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$", str(x)) for x in langs
    ):
        bad("languages", "expected a list of language tags such as ['ro', 'en']")
    try:
        if int(d.get("escalation_order") or 1) < 1:
            bad("escalation_order", "must be 1 or more")
    except (TypeError, ValueError):
        bad("escalation_order", "expected a whole number")
    return p
