"""Login throttling shared by every API worker thread and process: counters in Redis.

Why Redis and not the database: a password-guessing or credential-stuffing run is attack
traffic, and counting it in the database would turn every guess into a write (a replicated one
on a cluster) on the server that takes the bookings, and need a table for the failures of
unknown emails (login_events only records known users). Redis counts with one atomic INCR and
forgets with a TTL, and every API process pointed at it shares the counts. If Redis does not
answer, logins are refused (503): throttling that fails open is no throttling.

Two fixed windows, checked before the password is verified (so nothing is learned while
blocked): failures per account (the email, hashed) and per client address. A success clears the
account's count. A blocked login answers 429 with Retry-After = seconds until the window ends.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

import redis

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


@dataclass(frozen=True)
class Limits:
    account_failures: int = 5  # wrong passwords for one email per window
    address_failures: int = 30  # failed logins from one client address per window
    window_seconds: int = 900


class ThrottleUnavailable(Exception):
    """The shared counter store does not answer."""


class LoginThrottle:
    def __init__(self, redis_url: str = DEFAULT_REDIS_URL, limits: Limits | None = None, namespace: str = "travel"):
        self.limits = limits or Limits()
        self.namespace = namespace
        self.redis = redis.Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2)

    def _keys(self, email: str, address: str | None) -> tuple[str, str]:
        account = hashlib.sha256(email.strip().lower().encode("utf-8", "surrogatepass")).hexdigest()
        return f"{self.namespace}:login:account:{account}", f"{self.namespace}:login:address:{address or '-'}"

    def retry_after(self, email: str, address: str | None) -> int:
        """Seconds until this login may be tried again; 0 when it may be tried now."""
        account_key, address_key = self._keys(email, address)
        try:
            pipe = self.redis.pipeline()
            pipe.get(account_key).pttl(account_key).get(address_key).pttl(address_key)
            account, account_ttl, address, address_ttl = pipe.execute()
        except redis.RedisError as err:
            raise ThrottleUnavailable(str(err)) from err
        waits = [0]
        if account is not None and int(account) >= self.limits.account_failures:
            waits.append(account_ttl)
        if address is not None and int(address) >= self.limits.address_failures:
            waits.append(address_ttl)
        return math.ceil(max(waits) / 1000) if max(waits) > 0 else 0

    def failed(self, email: str, address: str | None) -> None:
        window = self.limits.window_seconds
        try:
            pipe = self.redis.pipeline()
            for key in self._keys(email, address):  # the window starts at the first failure
                pipe.set(key, 0, ex=window, nx=True).incr(key)
            pipe.execute()
        except redis.RedisError as err:
            raise ThrottleUnavailable(str(err)) from err

    def succeeded(self, email: str, address: str | None) -> None:
        try:
            self.redis.delete(self._keys(email, address)[0])
        except redis.RedisError as err:
            raise ThrottleUnavailable(str(err)) from err
