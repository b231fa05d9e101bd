"""Hardening of webhook delivery and signatures (issue 10): request forgery towards internal
addresses, pinned addresses, generic errors, short secrets, non-ASCII signatures."""

from __future__ import annotations

import datetime as dt
import ipaddress

import pytest

from hazatlas.delivery.netguard import (
    NOT_ALLOWED,
    AddressNotAllowed,
    address_allowed,
    check_url,
    parse_networks,
)
from hazatlas.delivery.retry import RetryPolicy
from hazatlas.delivery.signing import (
    SignatureError,
    ack_link,
    verify_ack,
    verify_webhook_signature,
)
from hazatlas.delivery.webhook import (
    NO_ANSWER,
    WebhookRecipient,
    WebhookSettings,
    deliver_webhook,
)
from hazatlas.domain.delivery_state import OutcomeKind
from hazatlas.domain.notification import Report

SECRET = b"shared-webhook-secret-0123456789abcdef"
NOW = dt.datetime(2026, 3, 1, 12, 30, tzinfo=dt.UTC)
LOOPBACK = parse_networks("127.0.0.0/8")



def _settings(**kw: object) -> WebhookSettings:
    base: dict[str, object] = {
        "timeout_s": 5,
        "allow_http": True,
        "retry": RetryPolicy(base_delay_s=2, jitter=0.0, max_attempts=4),
    }
    return WebhookSettings(**{**base, **kw})  # type: ignore[arg-type]


def _send(report: Report, url: str, settings: WebhookSettings, secret: bytes = SECRET):
    return deliver_webhook(
        report, WebhookRecipient("HUN/poc/webhook", url, secret), settings, now=NOW
    )


INTERNAL = [
    "http://127.0.0.1:{port}/h",
    "http://localhost:{port}/h",
    "http://[::1]:{port}/h",
    "http://2130706433:{port}/h",
    "http://0x7f.1:{port}/h",
    "http://127.1:{port}/h",
    "http://0.0.0.0:{port}/h",
    "http://[::ffff:127.0.0.1]:{port}/h",
    "http://[::ffff:7f00:1]:{port}/h",
    "http://[64:ff9b::7f00:1]:{port}/h",
    "http://[2002:7f00:1::1]:{port}/h",
    "http://169.254.169.254/latest/meta-data/",
    "http://[fe80::1]/h",
    "http://10.1.2.3/h",
    "http://172.16.0.1/h",
    "http://192.168.1.1/h",
    "http://100.64.0.1/h",
    "http://[fc00::1]/h",
    "http://224.0.0.1/h",
    "http://[::]/h",
]


@pytest.mark.parametrize("template", INTERNAL)
def test_internal_addresses_are_never_reached(
    template: str, receiver, sample_reports: dict[str, Report]
) -> None:
    url = template.format(port=receiver.port)
    outcome = _send(sample_reports["test"], url, _settings())
    assert outcome.kind == OutcomeKind.PERMANENT_FAILURE
    assert outcome.reason == NOT_ALLOWED  # the same generic text for every case
    assert receiver.hosts == []
    with pytest.raises(AddressNotAllowed):
        check_url(url, allow_http=True)


def test_allow_list_lets_tests_and_private_deployments_reach_their_networks(
    receiver, sample_reports: dict[str, Report]
) -> None:
    url = f"http://127.0.0.1:{receiver.port}/h"
    outcome = _send(sample_reports["test"], url, _settings(allow_networks=LOOPBACK))
    assert outcome.kind == OutcomeKind.DELIVERED
    assert address_allowed(ipaddress.ip_address("::ffff:127.0.0.1"), LOOPBACK)
    assert not address_allowed(ipaddress.ip_address("10.0.0.1"), LOOPBACK)
    assert address_allowed(ipaddress.ip_address("93.184.216.34"))
    with pytest.raises(ValueError, match="HAZATLAS_WEBHOOK_ALLOW_NETWORKS: 'loopback'"):
        parse_networks("127.0.0.0/8, loopback")


def test_connection_goes_to_the_checked_address(
    receiver, sample_reports: dict[str, Report]
) -> None:
    """The host is resolved once and the connection is pinned to that address: the request
    reaches it with the URL's own host in ``Host``; a later answer is not asked for."""
    answers = iter([["127.0.0.1"]])  # a second lookup would raise StopIteration

    def resolve(host: str, port: int) -> list[str]:
        assert host == "hook.example"
        return next(answers)

    url = f"http://hook.example:{receiver.port}/h"
    settings = _settings(allow_networks=LOOPBACK, resolve=resolve)
    outcome = _send(sample_reports["test"], url, settings)
    assert outcome.kind == OutcomeKind.DELIVERED, outcome
    assert receiver.hosts == [f"hook.example:{receiver.port}"]


def test_dns_rebinding_to_an_internal_address_is_refused_at_connect_time(
    receiver, sample_reports: dict[str, Report]
) -> None:
    """The name resolved to a public address when the contact was saved; now it resolves to
    loopback (or to public and loopback): refused, nothing is sent."""
    url = f"http://rebind.example:{receiver.port}/h"
    check_url(url, allow_http=True, resolve=lambda h, p: ["93.184.216.34"])  # at save time
    for answer in (["127.0.0.1"], ["93.184.216.34", "127.0.0.1"], ["::1"]):
        settings = _settings(resolve=lambda h, p, a=answer: a)
        outcome = _send(sample_reports["test"], url, settings)
        assert outcome.kind == OutcomeKind.PERMANENT_FAILURE and outcome.reason == NOT_ALLOWED
        assert "127.0.0.1" in outcome.detail or "::1" in outcome.detail  # for the log/audit
    assert receiver.hosts == []


def test_unresolvable_and_internal_hosts_give_the_same_answer() -> None:
    def unknown(host: str, port: int) -> list[str]:
        raise OSError("Name or service not known")

    with pytest.raises(AddressNotAllowed) as a:
        check_url("https://db.internal/", resolve=unknown)
    with pytest.raises(AddressNotAllowed) as b:
        check_url("https://db.internal/", resolve=lambda h, p: ["10.0.0.5"])
    assert str(a.value) == str(b.value) == NOT_ALLOWED
    for bad in ("https://[::1/x", "ftp://example.org/", "https:///nohost"):
        with pytest.raises(ValueError):
            check_url(bad)


def test_a_dns_failure_at_delivery_is_retried_not_dead_lettered(
    sample_reports: dict[str, Report],
) -> None:
    """The host resolved when the contact was saved; a DNS outage at delivery time is retried
    like a connection failure (same generic reason), and only given up after the retries."""
    import socket

    def outage(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    url = "https://hook.example/h"
    check_url(url, resolve=lambda h, p: ["93.184.216.34"])  # at save time
    outcome = _send(sample_reports["test"], url, _settings(resolve=outage))
    assert outcome.kind == OutcomeKind.RETRY and outcome.reason == NO_ANSWER
    assert "not resolved" in outcome.detail
    last = deliver_webhook(
        sample_reports["test"], WebhookRecipient("HUN/poc/webhook", url, SECRET),
        _settings(resolve=outage), attempt=4, now=NOW,
    )
    assert last.kind == OutcomeKind.PERMANENT_FAILURE and "gave up after 4" in last.reason


def test_connection_errors_are_generic_for_the_sender(sample_reports: dict[str, Report]) -> None:
    """A closed port and a silent one must not be told apart by the sender (port scan); the
    exact error stays in ``detail`` (server log, audit log)."""
    outcome = _send(
        sample_reports["test"], "http://127.0.0.1:9/x", _settings(allow_networks=LOOPBACK)
    )
    assert outcome.kind == OutcomeKind.RETRY
    assert outcome.reason == NO_ANSWER
    assert "ConnectError" in outcome.detail


@pytest.mark.parametrize("secret", [b"abc", b"", b"fifteen-bytes!!"])
def test_short_secret_is_a_permanent_failure_of_that_delivery(
    secret: bytes, receiver, sample_reports: dict[str, Report]
) -> None:
    url = f"http://127.0.0.1:{receiver.port}/h"
    outcome = _send(sample_reports["test"], url, _settings(allow_networks=LOOPBACK), secret)
    assert outcome.kind == OutcomeKind.PERMANENT_FAILURE
    assert "too short" in outcome.reason
    assert receiver.hosts == []


@pytest.mark.parametrize(
    "sig", ["é" * 64, "\u0661" * 64, "\ud800", "ff\x00", "０" * 64, "", "a" * 10_000]
)
def test_non_ascii_ack_signature_is_invalid_not_a_crash(sig: str) -> None:
    exp = NOW + dt.timedelta(days=1)
    ack_link("https://x/ack", SECRET, "rep-1", "HUN/poc/email", exp)
    with pytest.raises(SignatureError):
        verify_ack(SECRET, "rep-1", "HUN/poc/email", str(int(exp.timestamp())), sig, NOW)


@pytest.mark.parametrize(
    ("m", "exp"), [("rep-\ud800", "1900000000"), ("rep-1", "9" * 40), ("rep-1", "-5")]
)
def test_malformed_ack_link_fields_are_invalid(m: str, exp: str) -> None:
    with pytest.raises(SignatureError, match="malformed"):
        verify_ack(SECRET, m, "HUN/poc/email", exp, "00" * 32, NOW)


@pytest.mark.parametrize(
    "header",
    [
        "t=1772368200,v1=" + "é" * 64,
        "t=1772368200,v1=\ud800",
        "t=" + "9" * 400 + ",v1=" + "00" * 32,
        "t=١٢٣,v1=ü",
        "Ã©Ã©",
    ],
)
def test_non_ascii_webhook_signature_is_invalid_not_a_crash(header: str) -> None:
    with pytest.raises(SignatureError):
        verify_webhook_signature(SECRET, header, b"{}", NOW)


def test_pinned_https_request_still_verifies_the_url_host_name(
    tmp_path, new_receiver, sample_reports: dict[str, Report]
) -> None:
    """Connecting to the checked address must not weaken TLS: the certificate is verified for
    the URL's host name (sent as the TLS server name), not for the address."""
    import shutil
    import ssl
    import subprocess

    import httpx

    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=hook.example", "-addext", "subjectAltName=DNS:hook.example",
         "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    r = new_receiver()
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(cert, key)
    r.server.socket = server_ctx.wrap_socket(r.server.socket, server_side=True)
    r.thread.start()
    settings = _settings(allow_networks=LOOPBACK, resolve=lambda h, p: ["127.0.0.1"])
    with httpx.Client(verify=ssl.create_default_context(cafile=str(cert))) as client:
        for host in ("hook.example", "other.example"):
            outcome = deliver_webhook(
                sample_reports["test"],
                WebhookRecipient("HUN/poc/webhook", f"https://{host}:{r.port}/h", SECRET),
                settings,
                now=NOW,
                client=client,
            )
            if host == "hook.example":
                assert outcome.kind == OutcomeKind.DELIVERED, outcome
            else:  # same address, but the certificate is not for this name
                assert outcome.kind == OutcomeKind.RETRY and outcome.reason == NO_ANSWER
                assert "certificate" in outcome.detail.lower(), outcome.detail
    assert r.hosts == [f"hook.example:{r.port}"]
