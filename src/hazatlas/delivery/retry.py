"""When to try a failed delivery again: exponential back-off with jitter, as pure functions.

The delay before attempt ``n + 1`` (after ``n`` failed attempts) is::

    d(n) = min(max_delay_s, base_delay_s * factor ** (n - 1))
    delay = d(n) * (1 - jitter + 2 * jitter * u),   u in [0, 1)

Jitter spreads retries of many messages so that a receiver coming back is not hit by all of
them at once. ``u`` is passed in (``random.random()`` in production), so the schedule is pure
and testable.

>>> policy = RetryPolicy(base_delay_s=10, factor=2, max_delay_s=60, jitter=0.0)
>>> [backoff_delay_s(n, policy, 0.5) for n in range(1, 6)]
[10.0, 20.0, 40.0, 60.0, 60.0]
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    base_delay_s: float = 30.0
    factor: float = 2.0
    max_delay_s: float = 3600.0
    jitter: float = 0.2
    max_attempts: int = 10


def backoff_delay_s(failed_attempts: int, policy: RetryPolicy, u: float) -> float:
    """Seconds to wait after ``failed_attempts`` (>= 1) failures; ``u`` uniform in [0, 1)."""
    if failed_attempts < 1:
        raise ValueError("failed_attempts must be at least 1")
    exponent = min(failed_attempts - 1, 64)  # avoids overflow; capped by max_delay_s anyway
    delay = min(policy.max_delay_s, policy.base_delay_s * policy.factor**exponent)
    return delay * (1.0 - policy.jitter + 2.0 * policy.jitter * u)


def next_attempt_at(
    now: dt.datetime,
    failed_attempts: int,
    policy: RetryPolicy,
    u: float | None = None,
    not_before_s: float = 0.0,
) -> dt.datetime | None:
    """Time of the next attempt, or ``None`` when ``policy.max_attempts`` are used up.

    ``not_before_s`` is a delay the receiver asked for (HTTP ``Retry-After``), honoured up to
    ``max_delay_s``.
    """
    if failed_attempts >= policy.max_attempts:
        return None
    if u is None:
        u = random.random()  # noqa: S311 - jitter, not security
    delay = max(backoff_delay_s(failed_attempts, policy, u), min(not_before_s, policy.max_delay_s))
    return now + dt.timedelta(seconds=delay)


def schedule(policy: RetryPolicy, us: list[float]) -> list[float]:
    """Delays of a whole retry sequence, one per failed attempt (for docs and tests)."""
    n = min(len(us), policy.max_attempts - 1)
    return [backoff_delay_s(i + 1, policy, us[i]) for i in range(n)]
