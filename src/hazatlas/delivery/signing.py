"""HMAC-SHA256 signatures: acknowledgement links in e-mails and webhook request bodies.

Secrets are passed in by the caller (from the settings built at the entry point); nothing here
holds or invents a secret. Comparisons are constant-time.

Acknowledgement link: ``{base_url}?m=<message id>&r=<recipient id>&exp=<unix time>&sig=<hex>``
with ``sig = HMAC-SHA256(secret, "ack-v1\\n" + m + "\\n" + r + "\\n" + exp)``.

Webhook signature header ``X-Hazatlas-Signature: t=<unix time>,v1=<hex>`` with
``v1 = HMAC-SHA256(secret, t + "." + body)``; receivers reject a stale ``t`` (replay).

>>> secret = b"0123456789abcdef0123456789abcdef"
>>> exp = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
>>> url = ack_link("https://ha.example/ack", secret, "rep-1", "ROU/poc", exp)
>>> q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
>>> verify_ack(secret, q["m"], q["r"], q["exp"], q["sig"], now=exp - dt.timedelta(hours=1))
('rep-1', 'ROU/poc')
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import urllib.parse

from hazatlas.domain.errors import HazatlasError

MIN_SECRET_BYTES = 16
SIGNATURE_HEADER = "X-Hazatlas-Signature"


class SignatureError(HazatlasError):
    """A signature or signed link is malformed, forged or expired."""


def _key(secret: bytes | str) -> bytes:
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    if len(key) < MIN_SECRET_BYTES:
        raise SignatureError(
            f"signing secret is too short: need at least {MIN_SECRET_BYTES} "
            "bytes (set it in the settings)"
        )
    return key


def sign(secret: bytes | str, payload: bytes) -> str:
    """Hex HMAC-SHA256 of ``payload``."""
    return hmac.new(_key(secret), payload, hashlib.sha256).hexdigest()


def _ack_payload(message_id: str, recipient_id: str, expires: int) -> bytes:
    return f"ack-v1\n{message_id}\n{recipient_id}\n{expires}".encode()


def ack_link(
    base_url: str, secret: bytes | str, message_id: str, recipient_id: str, expires_at: dt.datetime
) -> str:
    """Signed acknowledgement link for one (message, recipient), valid until ``expires_at``."""
    if expires_at.tzinfo is None:
        raise SignatureError("expires_at needs a time zone")
    exp = int(expires_at.timestamp())
    query = urllib.parse.urlencode(
        {
            "m": message_id,
            "r": recipient_id,
            "exp": str(exp),
            "sig": sign(secret, _ack_payload(message_id, recipient_id, exp)),
        }
    )
    return f"{base_url}{'&' if '?' in base_url else '?'}{query}"


def verify_ack(
    secret: bytes | str,
    message_id: str,
    recipient_id: str,
    expires: str,
    signature: str,
    now: dt.datetime,
) -> tuple[str, str]:
    """Check a clicked acknowledgement link; return (message id, recipient id) or raise."""
    try:
        exp = int(expires)
        if not 0 <= exp < 10**11:  # a float-sized unix time (no OverflowError below)
            raise ValueError(exp)
    except ValueError as exc:
        raise SignatureError("acknowledgement link is malformed (exp)") from exc
    try:
        expected = sign(secret, _ack_payload(message_id, recipient_id, exp))
    except UnicodeEncodeError as exc:  # a lone surrogate in m or r
        raise SignatureError("acknowledgement link is malformed (m, r)") from exc
    if not _same_hex(expected, signature):
        raise SignatureError("acknowledgement link signature is not valid")
    if now.timestamp() > exp:
        raise SignatureError("acknowledgement link has expired; acknowledge through the API")
    return message_id, recipient_id


def _same_hex(expected: str, given: str) -> bool:
    """Constant-time comparison of a hex signature with a value from outside, which may hold
    any characters (``hmac.compare_digest`` raises ``TypeError`` on non-ASCII ``str``)."""
    data = given.strip().lower().encode("utf-8", "replace")
    return hmac.compare_digest(expected.encode("ascii"), data)


def webhook_signature(secret: bytes | str, body: bytes, timestamp: int) -> str:
    """Value of the ``X-Hazatlas-Signature`` header: ``t=<unix>,v1=<hex>``."""
    return f"t={timestamp},v1={sign(secret, str(timestamp).encode() + b'.' + body)}"


def verify_webhook_signature(
    secret: bytes | str, header: str, body: bytes, now: dt.datetime, tolerance_s: float = 300.0
) -> None:
    """For receivers: raise :class:`SignatureError` unless ``header`` signs ``body`` recently."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts["t"])
        given = parts["v1"]
        if not 0 <= timestamp < 10**11:  # a float-sized unix time (no OverflowError below)
            raise ValueError(timestamp)
    except (KeyError, ValueError) as exc:
        raise SignatureError(f"malformed {SIGNATURE_HEADER} header") from exc
    expected = sign(secret, str(timestamp).encode() + b"." + body)
    if not _same_hex(expected, given):
        raise SignatureError("webhook signature does not match the body")
    if abs(now.timestamp() - timestamp) > tolerance_s:
        raise SignatureError("webhook signature timestamp is too old or in the future")
