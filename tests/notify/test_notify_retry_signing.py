"""Back-off schedule (pure) and HMAC signing helpers."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hazatlas.delivery.retry import RetryPolicy, backoff_delay_s, next_attempt_at, schedule
from hazatlas.delivery.signing import (
    SignatureError,
    ack_link,
    sign,
    verify_webhook_signature,
    webhook_signature,
)

T0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
policies = st.builds(
    RetryPolicy,
    base_delay_s=st.floats(0.1, 600),
    factor=st.floats(1.0, 4.0),
    max_delay_s=st.floats(600, 86400),
    jitter=st.floats(0.0, 0.5),
    max_attempts=st.integers(1, 30),
)


@given(policies, st.integers(1, 200), st.floats(0.0, 1.0, exclude_max=True))
def test_delay_stays_within_the_jitter_band(policy: RetryPolicy, n: int, u: float) -> None:
    plain = min(policy.max_delay_s, policy.base_delay_s * policy.factor ** min(n - 1, 64))
    delay = backoff_delay_s(n, policy, u)
    assert plain * (1 - policy.jitter) - 1e-9 <= delay <= plain * (1 + policy.jitter) + 1e-9


@given(policies, st.integers(1, 100), st.floats(0.0, 1.0, exclude_max=True))
def test_without_jitter_delays_never_decrease(policy: RetryPolicy, n: int, u: float) -> None:
    policy = dataclasses.replace(policy, jitter=0.0)
    assert backoff_delay_s(n + 1, policy, u) >= backoff_delay_s(n, policy, u)


def test_schedule_and_give_up() -> None:
    policy = RetryPolicy(base_delay_s=30, factor=2, max_delay_s=300, jitter=0.0, max_attempts=6)
    assert schedule(policy, [0.5] * 10) == [30, 60, 120, 240, 300]
    assert next_attempt_at(T0, 5, policy, 0.5) == T0 + dt.timedelta(seconds=300)
    assert next_attempt_at(T0, 6, policy, 0.5) is None
    assert next_attempt_at(T0, 1, policy, 0.5, not_before_s=100) == T0 + dt.timedelta(seconds=100)
    assert next_attempt_at(T0, 1, policy, 0.5, not_before_s=1e9) == T0 + dt.timedelta(seconds=300)
    with pytest.raises(ValueError):
        backoff_delay_s(0, policy, 0.5)


def test_secrets_must_be_given_and_long_enough() -> None:
    with pytest.raises(SignatureError, match="too short"):
        sign(b"", b"x")
    with pytest.raises(SignatureError, match="time zone"):
        ack_link("https://x/ack", b"0123456789abcdef", "m", "r", dt.datetime(2030, 1, 1))


def test_ack_link_keeps_existing_query() -> None:
    url = ack_link("https://x/ack?lang=ru", b"0123456789abcdef", "m 1", "r/2", T0)
    assert url.startswith("https://x/ack?lang=ru&m=m+1&r=r%2F2&exp=")


@given(st.binary(max_size=200), st.integers(0, 2**31))
def test_webhook_signature_round_trip(body: bytes, t: int) -> None:
    secret = b"0123456789abcdef0123"
    header = webhook_signature(secret, body, t)
    now = dt.datetime.fromtimestamp(t, dt.UTC)
    verify_webhook_signature(secret, header, body, now)
    with pytest.raises(SignatureError):
        verify_webhook_signature(secret, header.replace("t=", "t=1"), body, now)


def test_malformed_signature_header() -> None:
    with pytest.raises(SignatureError, match="malformed"):
        verify_webhook_signature(b"0123456789abcdef", "v1=abc", b"", T0)
