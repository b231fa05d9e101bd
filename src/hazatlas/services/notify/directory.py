"""The directory of competent authorities and points of contact, kept by each country for
itself (a national authority writes its own country's entries, an administrator all). Every
write is audited in the hash chain."""

from __future__ import annotations

import logging
import re
import urllib.parse
from typing import Any

from hazatlas.delivery.netguard import AddressNotAllowed, check_url
from hazatlas.domain.errors import NotFoundError, PermissionDeniedError, Problem, ValidationError
from hazatlas.domain.text import check_text
from hazatlas.services.notify.common import PARTY, Context, audit_event, iso, now
from hazatlas.services.notify.results import (
    AuthorityView,
    ContactView,
    Reachability,
    authority_view,
    contact_view,
)
from hazatlas.services.notify.webhook_secrets import (
    SecretUnavailable,
    allow_networks,
    env_secret_name,
    webhook_secret,
)
from hazatlas.storage import notifications as store
from hazatlas.storage.notification_tables import ContactRow

log = logging.getLogger("hazatlas.notify")
AUTHORITY_KINDS = ("competent_authority", "ian_poc", "basin_body", "civil_protection", "other")
CONTACT_ROLES = ("ian_poc", "alert_centre", "civil_protection", "competent_authority", "other")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,99}$")


class Directory:
    """The directory as one user sees it."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def directory(self, party: str | None = None) -> list[AuthorityView]:
        self.ctx.require_authority()
        with self.ctx.db.transaction() as s:
            contacts: dict[str, list[ContactRow]] = {}
            for c in store.list_contacts(s, party):
                contacts.setdefault(c.authority_id, []).append(c)
            return [
                authority_view(a, contacts.get(a.id, [])) for a in store.list_authorities(s, party)
            ]

    def save_authority(self, data: dict[str, Any]) -> AuthorityView:
        check_text(data, "request")
        problems = _check_authority(data)
        if problems:
            raise ValidationError(problems)
        party = data.get("country") or f"basin:{data.get('basin')}"
        self.ctx.check_party_write(party)
        with self.ctx.db.transaction() as s:
            store.begin_write(s)
            old = store.get_authority(s, data["id"])
            if old is not None:
                self.ctx.check_party_write(old.country_iso3 or f"basin:{old.basin}")
            row = store.save_authority(
                s,
                data["id"],
                country=data.get("country"),
                basin=data.get("basin"),
                name=data["name"],
                kind=data.get("kind") or "competent_authority",
                at=now(),
            )
            action = "created" if old is None else "updated"
            event = audit_event(
                f"directory.authority.{action}", self.ctx.actor, authority=authority_view(row)
            )
            store.append_audit(s, [event])
            return authority_view(row)

    def delete_authority(self, authority_id: str) -> None:
        with self.ctx.db.transaction() as s:
            store.begin_write(s)
            row = store.get_authority(s, authority_id)
            if row is None:
                raise NotFoundError(f"authority '{authority_id}' not found")
            self.ctx.check_party_write(row.country_iso3 or f"basin:{row.basin}")
            store.delete_authority(s, row)
            event = audit_event(
                "directory.authority.deleted", self.ctx.actor, authority_id=authority_id
            )
            store.append_audit(s, [event])

    def save_contact(self, data: dict[str, Any]) -> ContactView:
        check_text(data, "request")
        problems = _check_contact(data)
        if data.get("webhook_url") and not any(p.field == "webhook_url" for p in problems):
            problems += self._check_webhook_url(str(data["webhook_url"]))
        if problems:
            raise ValidationError(problems)
        with self.ctx.db.transaction() as s:
            store.begin_write(s)
            authority = store.get_authority(s, data["authority_id"])
            if authority is None:
                message = f"authority '{data['authority_id']}' not found"
                raise ValidationError([Problem("request", None, "authority_id", message)])
            party = authority.country_iso3 or f"basin:{authority.basin}"
            self.ctx.check_party_write(party)
            old = store.get_contact(s, data["id"])
            if old is not None:
                self.ctx.check_party_write(old.party)
            ref = data.get("webhook_secret_ref") or None
            if ref and not (old is not None and old.webhook_secret_ref == ref):
                self._check_secret_ref(ref)
            before = contact_view(old) if old is not None else None
            row = store.save_contact(
                s, data["id"], _contact_values(data, authority.id, party), now()
            )
            after = contact_view(row)
            event = audit_event(
                "directory.contact." + ("created" if before is None else "updated"),
                self.ctx.actor,
                contact=after,
                before=before,
            )
            store.append_audit(s, [event])
            return after

    def _check_webhook_url(self, url: str) -> list[Problem]:
        """Resolve the URL's host now: only public addresses (or allowed networks)."""
        try:
            check_url(url, allow_http=True, networks=allow_networks(self.ctx.settings))
        except AddressNotAllowed as exc:
            log.warning("webhook URL %r of %s refused: %s", url, self.ctx.actor, exc.detail)
            return [Problem("request", None, "webhook_url", str(exc))]
        except ValueError as exc:
            return [Problem("request", None, "webhook_url", str(exc))]
        return []

    def _check_secret_ref(self, ref: str) -> None:
        """Only an administrator names environment secrets, from the configured prefix, and
        they must be set and long enough (a national authority learns nothing about them)."""
        if ref == "derived":
            return
        if not self.ctx.principal.is_admin:
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
            name = env_secret_name(self.ctx.settings, ref)
            if name is None:
                raise SecretUnavailable("expected 'env:NAME' or 'derived'")
            webhook_secret(self.ctx.settings, ref, "(new contact)")
        except SecretUnavailable as exc:
            raise ValidationError(
                [Problem("request", None, "webhook_secret_ref", str(exc))]
            ) from exc

    def delete_contact(self, contact_id: str) -> None:
        with self.ctx.db.transaction() as s:
            store.begin_write(s)
            row = store.get_contact(s, contact_id)
            if row is None:
                raise NotFoundError(f"contact '{contact_id}' not found")
            self.ctx.check_party_write(row.party)
            store.delete_contact(s, row)
            event = audit_event("directory.contact.deleted", self.ctx.actor, contact_id=contact_id)
            store.append_audit(s, [event])

    def contact_secret(self, contact_id: str) -> str:
        """The webhook secret of a contact (to give to the receiver), for its writers only."""
        with self.ctx.db.transaction() as s:
            row = store.get_contact(s, contact_id)
            if row is None:
                raise NotFoundError(f"contact '{contact_id}' not found")
            self.ctx.check_party_write(row.party)
            admin = self.ctx.principal.is_admin
            if row.webhook_secret_ref not in (None, "", "derived") and not admin:
                raise PermissionDeniedError(
                    f"the webhook secret of '{contact_id}' is set by the administrator; ask "
                    "the administrator for it"
                )
            return webhook_secret(self.ctx.settings, row.webhook_secret_ref, row.id).decode()

    def reachability(self) -> list[Reachability]:
        """Each contact with the time it last acknowledged a message (``None``: never)."""
        self.ctx.require_authority()
        with self.ctx.db.transaction() as s:
            last = store.last_acknowledged(s)
            return [
                {
                    "contact_id": c.id,
                    "party": c.party,
                    "name": c.name,
                    "role": c.role,
                    "available_24_7": c.available_24_7,
                    "active": c.active,
                    "last_acknowledged_at": iso(last.get(c.id)),
                }
                for c in store.list_contacts(s)
            ]


def _contact_values(data: dict[str, Any], authority_id: str, party: str) -> dict[str, Any]:
    """The stored columns of a contact from its (checked) input."""
    return {
        "authority_id": authority_id,
        "party": party,
        "name": data["name"],
        "role": data.get("role") or "ian_poc",
        "email": data.get("email") or None,
        "webhook_url": data.get("webhook_url") or None,
        "webhook_format": data.get("webhook_format") or "json",
        "webhook_secret_ref": data.get("webhook_secret_ref") or None,
        "languages": list(data.get("languages") or ["en"]),
        "available_24_7": bool(data.get("available_24_7", False)),
        "escalation_order": int(data.get("escalation_order") or 1),
        "active": bool(data.get("active", True)),
    }


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
    if basin and not PARTY.match(f"basin:{basin}"):
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
