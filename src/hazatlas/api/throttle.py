"""Login throttling for ``POST /api/tokens``.

Failed logins are counted per user name and per client address in a sliding window. When a key
has had ``max_failures`` failures within ``window_s`` seconds, further attempts for it are
refused with 429 and ``Retry-After`` (seconds until its oldest failure leaves the window)
before the password is even checked, so neither guessing nor the cost of Argon2 can be driven
up. A successful login clears the user name's failures (not the address's: one address trying
many names stays throttled).

The state is kept in process memory: ``hazatlas serve`` runs one server process, so every
request sees the same counters, and the check costs no database write per attempt (a
database-backed counter would itself be a write amplifier for an attacker). A restart forgets
the counters, which only gives an attacker one more window. The number of tracked keys is
bounded (``max_keys``; the least recently failed are dropped first), so a flood of distinct
names cannot exhaust memory.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable


class LoginThrottle:
    def __init__(self, *, max_failures: int = 5, window_s: float = 900.0,
                 address_max_failures: int = 20, max_keys: int = 100_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = {"user": max_failures, "addr": address_max_failures}
        self.window_s = window_s
        self.max_keys = max_keys
        self.clock = clock
        self._failures: OrderedDict[tuple[str, str], deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and times[0] <= now - self.window_s:
            times.popleft()
        if not times:
            del self._failures[key]
        return times

    def retry_after(self, username: str, address: str) -> int | None:
        """Seconds to wait before another attempt, or ``None`` if one is allowed now."""
        now = self.clock()
        wait = 0.0
        with self._lock:
            for key in (("user", username), ("addr", address)):
                times = self._recent(key, now)
                if len(times) >= self.limits[key[0]]:
                    wait = max(wait, times[-self.limits[key[0]]] + self.window_s - now)
        return max(1, math.ceil(wait)) if wait > 0 else None

    def failed(self, username: str, address: str) -> None:
        now = self.clock()
        with self._lock:
            for key in (("user", username), ("addr", address)):
                times = self._recent(key, now)
                times.append(now)
                self._failures[key] = times
                self._failures.move_to_end(key)
            while len(self._failures) > self.max_keys:
                self._failures.popitem(last=False)

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(("user", username), None)
