"""Who sends a request: the API key in ``Authorization: Bearer <key>``, mapped to an actor.

The key is checked by :func:`zen_core.services.keys.authenticate` against the
served store, so every service over one database knows the same keys. What
it found is kept for at most :data:`CACHE_SECONDS` (half a second), so a
revoked key, or a role taken away, is refused by every service within a
second of the change (the time a request takes included); an expiry time is
checked on every request. When an entry is due, one
request reads the key again while the others with that key wait for its answer
(not all of a busy service's threads at once). ``last_used`` is recorded at
most once every :data:`TOUCH_SECONDS` per key and service: it is a write, and
not one every request should pay for.

Refusals are logged with the method, the path, the client's address and the
reason, never the key (the reasons :func:`authenticate` gives never repeat it).
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from zen_core.account_records import ApiKey
from zen_core.exceptions import AuthenticationError, ZenError
from zen_core.services import keys
from zen_core.services.authz import Actor

if TYPE_CHECKING:
    from zen_core.services.serving import ServedStore

#: How long a key's record and its user's roles are used before they are read again:
#: half of the second within which every service refuses a revoked key.
CACHE_SECONDS = 0.5
#: At most one ``last_used`` write per key and service in this many seconds.
TOUCH_SECONDS = 60.0
#: Cached keys at most (an entry per key presented in the last second).
MAX_CACHED = 10_000
#: Refusals logged per second at most; the others are counted in the next line logged.
MAX_LOGGED_PER_SECOND = 20

HOW_TO_GET_A_KEY = (
    "Send an API key as 'Authorization: Bearer KEY'. An admin creates one with "
    "`zenml user key create USER`; on the machine that runs the service, `zenml service "
    "status --show-token` prints the service's own admin key, and a `rest` profile there "
    "finds it by itself. Elsewhere give the key to a profile on standard input (`zenml "
    "profile create NAME --type rest --url URL --token-stdin`, or `zenml profile update NAME "
    "--token-stdin` for one that has a key) or in the ZENML_STORE_TOKEN environment variable."
)

logger = logging.getLogger("zen_service.auth")


@dataclass(frozen=True)
class _Entry:
    key: ApiKey
    actor: Actor
    read_at: float


class Authenticator:
    """Authenticates ``Authorization`` headers against a store (thread-safe)."""

    def __init__(self, cache_seconds: float = CACHE_SECONDS,
                 touch_seconds: float = TOUCH_SECONDS) -> None:
        self.cache_seconds = cache_seconds
        self.touch_seconds = touch_seconds
        self._lock = threading.Lock()
        self._cache: dict[bytes, _Entry] = {}
        self._touched: dict[str, float] = {}
        #: Per key being read again: the lock its other requests wait on meanwhile.
        self._refreshing: dict[bytes, threading.Lock] = {}
        self._log_second = 0
        self._logged = 0
        self._unlogged = 0

    def authenticate(self, served: ServedStore, header: str) -> tuple[ApiKey, Actor]:
        """The key and its actor; AuthenticationError (a 401) naming the reason."""
        scheme, _, presented = header.strip().partition(" ")
        presented = presented.strip()
        if not header.strip():
            raise AuthenticationError("No API key given. " + HOW_TO_GET_A_KEY)
        if scheme.lower() != "bearer" or not presented:
            raise AuthenticationError(
                "The Authorization header is not 'Bearer KEY'. " + HOW_TO_GET_A_KEY)
        digest = hashlib.sha256(presented.encode("utf-8", "surrogateescape")).digest()
        now = time.monotonic()
        entry = self._cache.get(digest)  # one dict read is atomic: no lock (every request)
        if entry is None:
            entry = self._read(served, presented, digest, now)
        elif not self._fresh(entry, now):
            # One thread reads the key again; the others busy with the same key wait for
            # it (milliseconds) instead of all reading it at once as the second turns.
            with self._lock:
                refreshing = self._refreshing.setdefault(digest, threading.Lock())
            with refreshing:
                with self._lock:
                    entry = self._cache.get(digest)
                now = time.monotonic()
                if entry is None or not self._fresh(entry, now):
                    try:
                        entry = self._read(served, presented, digest, now)
                    finally:
                        with self._lock:
                            self._refreshing.pop(digest, None)
        self._touch(served, entry.key, now)
        return entry.key, entry.actor

    def _fresh(self, entry: _Entry, now: float) -> bool:
        return now - entry.read_at < self.cache_seconds and not keys.is_expired(entry.key)

    def _read(self, served: ServedStore, presented: str, digest: bytes, now: float) -> _Entry:
        """The key read from the store and cached; AuthenticationError if it is not valid."""
        try:
            key, actor = served.authenticate(presented)
        except AuthenticationError as err:
            with self._lock:
                self._cache.pop(digest, None)
            raise AuthenticationError(f"{err.message} {HOW_TO_GET_A_KEY}") from None
        entry = _Entry(key, actor, now)
        with self._lock:
            if len(self._cache) >= MAX_CACHED:
                self._drop_stale(now)
            self._cache[digest] = entry
        return entry

    def _drop_stale(self, now: float) -> None:
        stale = [d for d, e in self._cache.items() if now - e.read_at >= self.cache_seconds]
        for digest in stale or list(self._cache):
            del self._cache[digest]

    def _touch(self, served: ServedStore, key: ApiKey, now: float) -> None:
        last = self._touched.get(key.key_id)
        if last is not None and now - last < self.touch_seconds:
            return  # the usual case, read without the lock; deciding to write takes it
        with self._lock:
            last = self._touched.get(key.key_id)
            if last is not None and now - last < self.touch_seconds:
                return
            self._touched[key.key_id] = now
        try:
            served.record_use(key)
        except ZenError as err:  # the request goes on: last_used is a courtesy
            logger.warning("Could not record the use of API key '%s' of user '%s': %s",
                           key.name, key.user, err.message)

    def log_refusal(self, method: str, path: str, client: str | None, reason: str) -> None:
        """Log a refused request (at most ``MAX_LOGGED_PER_SECOND`` lines a second)."""
        second = int(time.monotonic())
        with self._lock:
            if second != self._log_second:
                self._log_second, self._logged = second, 0
            if self._logged >= MAX_LOGGED_PER_SECOND:
                self._unlogged += 1
                return
            self._logged += 1
            unlogged, self._unlogged = self._unlogged, 0
        more = f" ({unlogged} more refused before, not logged)" if unlogged else ""
        reason = reason.removesuffix(" " + HOW_TO_GET_A_KEY)
        logger.warning("Refused %s %s from %s: %s%s", method, path[:200], client or "?",
                       reason, more)
