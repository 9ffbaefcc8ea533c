"""Per-API-key request limits, on every surface, with the ``limits`` library.

Counters live in memory by default, so each server process counts on its own
(with N workers a key may make up to N times the limit). Point
``REMIT_RATE_LIMIT_STORAGE`` at Redis (``redis://host:6379``) to share one
count between every worker and machine.
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import SlidingWindowCounterRateLimiter

from remit.errors import RateLimited

OFF = ("", "off", "none")


class KeyLimiter:
    """Counts requests per API key against one or more limits (``"100/second;5000/minute"``)."""

    def __init__(self, limits: str, storage_uri: str = "memory://") -> None:
        try:
            self.limits: list[RateLimitItem] = parse_many(limits)
        except ValueError as exc:
            raise ValueError(f"REMIT_RATE_LIMIT {limits!r} is not a limit such as '100/second' "
                             "or '100/second;5000/minute'") from exc
        # A sliding-window counter costs two counters per key, and a burst at a window's edge
        # cannot pass twice the limit as a fixed window would let it.
        self.strategy = SlidingWindowCounterRateLimiter(storage_from_string(storage_uri))

    def spend(self, api_key_id: int) -> None:
        """Count one request by this key, or raise ``RateLimited`` with how long to wait."""
        for limit in self.limits:
            if not self.strategy.hit(limit, "api-key", str(api_key_id)):
                reset_at = self.strategy.get_window_stats(limit, "api-key", str(api_key_id)).reset_time
                raise RateLimited(limit=str(limit), seconds=max(1, math.ceil(reset_at - time.time())))


def key_limiter(limits: str, storage_uri: str) -> KeyLimiter | None:
    """The limiter the settings ask for, or None when limiting is off."""
    return None if limits.strip().lower() in OFF else KeyLimiter(limits, storage_uri)
