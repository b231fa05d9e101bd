"""The shared secrets of the contacts' webhooks, and the networks webhooks may reach.

A secret is never stored: a contact holds a reference to it (``derived`` or ``env:NAME``).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re

from hazatlas.delivery.netguard import Network, parse_networks
from hazatlas.delivery.signing import MIN_SECRET_BYTES
from hazatlas.domain.errors import HazatlasError
from hazatlas.services.notify.common import signing_key
from hazatlas.services.settings import Settings


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
    mac = hmac.new(signing_key(settings), b"webhook-secret\n" + contact_id.encode(), hashlib.sha256)
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
