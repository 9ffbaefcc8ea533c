"""Sign-in attempts per email and per client address, counted like the API's per-key limits
(``remit.api.ratelimit``: the same sliding-window strategy, in the same storage, REMIT_RATE_LIMIT_STORAGE).

Every attempt counts, right or wrong, and is counted before the password is checked: a guesser cannot go
faster by being lucky, and a refused attempt costs the server no argon2 work.
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import SlidingWindowCounterRateLimiter


class LoginThrottle:
    def __init__(self, *, per_email: str, per_address: str, storage_uri: str = "memory://") -> None:
        self.per_email: list[RateLimitItem] = parse_many(per_email)
        self.per_address: list[RateLimitItem] = parse_many(per_address)
        self.strategy = SlidingWindowCounterRateLimiter(storage_from_string(storage_uri))

    def wait_seconds(self, *, email: str, address: str) -> int | None:
        """Count one attempt; None if it may go ahead, else how many seconds until one may."""
        for limits, kind, key in ((self.per_email, "web-login-email", email),
                                  (self.per_address, "web-login-address", address)):
            for limit in limits:
                if not self.strategy.hit(limit, kind, key):
                    reset_at = self.strategy.get_window_stats(limit, kind, key).reset_time
                    return max(1, math.ceil(reset_at - time.time()))
        return None
