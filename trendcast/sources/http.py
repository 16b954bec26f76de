"""One polite HTTP client for every source: retries, backoff with jitter, rate-limit headers.

- 429, 5xx, timeouts and dropped connections are retried (tenacity) with exponential backoff and
  full jitter, or exactly as long as the server asks (`Retry-After`, or the rate-limit reset
  header when the remaining count is 0). A wait longer than `max_wait` stops the run cleanly
  instead of sleeping for hours; `max_attempts` bounds every call (no retry storm).
- When a response says the window is used up (`x-rate-limit-remaining: 0`), the next request
  waits for the reset instead of spending a request on a certain 429.
- 401/403 raise `CredentialError` at once, naming the variable that holds the credential.
- The exact body bytes are returned with the status (see `trendcast.sources.writer`), including
  a body cut short by a dropped connection, so the caller can archive what the server sent.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt

from trendcast.sources.budget import Budget
from trendcast.sources.errors import CredentialError, ExtractError
from trendcast.sources.redact import Redactor

log = logging.getLogger("trendcast.extract")
# httpx logs every request URL at INFO; URLs carry no credential here, but they are noise
logging.getLogger("httpx").setLevel(logging.WARNING)
logging.getLogger("httpcore").setLevel(logging.WARNING)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
USER_AGENT = "trendcast-extract/0.1 (+https://github.com/trendcast)"


@dataclass
class Fetched:
    """One answered request: the exact body and when it arrived."""

    status: int
    body: bytes
    headers: httpx.Headers
    fetched_at: datetime
    problem: str | None = None  # set when the body is incomplete (connection dropped)


@dataclass
class Stats:
    requests: int = 0
    retries: int = 0
    waited_s: float = 0.0
    notes: list[str] = field(default_factory=list)


class _Retry(Exception):
    """A retryable outcome; carries the response (if any) for when attempts run out."""

    def __init__(self, reason: str, wait: float | None = None, fetched: Fetched | None = None):
        super().__init__(reason)
        self.reason = reason
        self.wait = wait
        self.fetched = fetched


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - now)
    except (TypeError, ValueError, IndexError):
        return None


def parse_reset(value: str | None, now: float) -> float | None:
    """Seconds until a rate-limit window resets: epoch seconds (X) or ISO-8601 (Mastodon)."""
    if not value:
        return None
    value = value.strip()
    try:
        number = float(value)
    except ValueError:
        try:
            ts = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        if ts.tzinfo is None:
            ts = ts.replace(tzinfo=UTC)
        return max(0.0, ts.timestamp() - now)
    # epoch seconds, or (some servers) seconds from now
    return max(0.0, number - now) if number > 1e9 else max(0.0, number)


class ApiClient:
    """HTTP for one source: `send` returns the exact response or raises a one-line error."""

    def __init__(
        self,
        source: str,
        base_url: str,
        *,
        credential_var: str,
        redactor: Redactor,
        headers: dict[str, str] | None = None,
        budget: Budget | None = None,
        timeout: float = 30.0,
        max_attempts: int = 5,
        backoff: float = 1.0,
        max_backoff: float = 60.0,
        max_wait: float = 900.0,
        rate_headers: tuple[str, str] = ("x-rate-limit-remaining", "x-rate-limit-reset"),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.source = source
        self.credential_var = credential_var
        self.redact = redactor
        self.budget = budget
        self.max_attempts = max(1, max_attempts)
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.max_wait = max_wait
        self.rate_headers = rate_headers
        self.sleep = sleep
        self.stats = Stats()
        self._not_before = 0.0  # monotonic time before which the rate-limit window is closed
        self.http = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"User-Agent": USER_AGENT, **(headers or {})},
            timeout=httpx.Timeout(timeout),
            # not followed: a credential header (X-Goog-Api-Key) must never travel to another
            # host; a redirect is archived as a failed call with its status instead
            follow_redirects=False,
        )

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def set_header(self, name: str, value: str) -> None:
        self.http.headers[name] = value

    # -- waiting ---------------------------------------------------------------------------
    def _pause(self, seconds: float, why: str) -> None:
        if seconds > self.max_wait:
            raise ExtractError(
                f"{self.source}: {why}: the server asks to wait {seconds:.0f} s, more than "
                f"--max-wait {self.max_wait:.0f} s; stopping (the next run resumes)"
            )
        if seconds > 0:
            self.stats.waited_s += seconds
            self.sleep(seconds)

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _Retry) and exc.wait is not None:
            wait = exc.wait
        else:
            # exponential backoff with full jitter (spreads clients that failed together)
            cap = min(self.max_backoff, self.backoff * 2 ** (state.attempt_number - 1))
            wait = random.uniform(cap / 2, cap)
        if wait > self.max_wait:
            raise ExtractError(
                f"{self.source}: {exc}: the server asks to wait {wait:.0f} s, more than "
                f"--max-wait {self.max_wait:.0f} s; stopping (the next run resumes)"
            )
        return wait

    def _before_sleep(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        self.stats.retries += 1
        self.stats.waited_s += wait
        log.warning(
            self.redact(
                f"{self.source}: {exc}; retry {state.attempt_number}/{self.max_attempts - 1} "
                f"in {wait:.1f} s"
            )
        )

    def _note_rate_limit(self, headers: httpx.Headers) -> float | None:
        """Remember a closed window; returns the seconds until it reopens (if the server said)."""
        remaining_name, reset_name = self.rate_headers
        now = time.time()
        reset = parse_reset(headers.get(reset_name), now)
        remaining = headers.get(remaining_name)
        if remaining is not None and remaining.strip() == "0" and reset is not None:
            self._not_before = time.monotonic() + reset
        return reset

    # -- one request -----------------------------------------------------------------------
    def send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        data: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        cost: int = 1,
        retry_statuses: frozenset[int] = RETRY_STATUSES,
    ) -> Fetched:
        """Send with retries; returns the final response (2xx or not) or raises ExtractError."""
        retrying = Retrying(
            stop=stop_after_attempt(self.max_attempts),
            wait=self._wait,
            before_sleep=self._before_sleep,
            retry=retry_if_exception_type(_Retry),
            sleep=self.sleep,
            reraise=True,
        )
        try:
            return retrying(
                self._attempt, method, path, params, json, data, headers, cost, retry_statuses
            )
        except _Retry as exc:
            if exc.fetched is not None and exc.fetched.problem:
                # a body cut short on every attempt: returned so it is archived (as failed)
                return exc.fetched
            raise ExtractError(
                self.redact(
                    f"{self.source}: {method} /{path.lstrip('/')}: gave up after "
                    f"{self.max_attempts} attempts: {exc.reason}"
                )
            ) from None

    def _attempt(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None,
        json: Any,
        data: dict[str, str] | None,
        headers: dict[str, str] | None,
        cost: int,
        retry_statuses: frozenset[int],
    ) -> Fetched:
        closed = self._not_before - time.monotonic()
        if closed > 0:
            log.info(f"{self.source}: rate-limit window closed, waiting {closed:.1f} s")
            self._pause(closed + random.uniform(0, 0.25), "rate limit")
            self._not_before = 0.0
        if self.budget is not None:
            self.budget.spend(cost)
        self.stats.requests += 1
        chunks: list[bytes] = []
        try:
            with self.http.stream(
                method, path, params=params, json=json, data=data, headers=headers
            ) as resp:
                try:
                    for chunk in resp.iter_bytes():
                        chunks.append(chunk)
                except (httpx.TimeoutException, httpx.TransportError) as exc:
                    got = sum(len(c) for c in chunks)
                    expected = resp.headers.get("content-length")
                    reason = (
                        f"connection dropped after {got}"
                        + (f" of {expected}" if expected else "")
                        + f" body bytes ({type(exc).__name__})"
                    )
                    partial = Fetched(
                        resp.status_code, b"".join(chunks), resp.headers, datetime.now(UTC), reason
                    )
                    raise _Retry(f"HTTP {resp.status_code}, {reason}", fetched=partial) from None
        except httpx.TimeoutException as exc:
            raise _Retry(f"timeout ({type(exc).__name__})") from None
        except httpx.TransportError as exc:
            raise _Retry(f"connection failed ({type(exc).__name__})") from None
        fetched = Fetched(resp.status_code, b"".join(chunks), resp.headers, datetime.now(UTC))
        reset = self._note_rate_limit(resp.headers)
        status = resp.status_code
        if status in (401, 403):
            raise CredentialError(
                self.redact(
                    f"{self.source}: HTTP {status} from /{path.lstrip('/')}: the credential in "
                    f"{self.credential_var} is missing, invalid or not allowed this endpoint"
                )
            )
        if status in retry_statuses:
            wait = parse_retry_after(resp.headers.get("retry-after"), time.time())
            if wait is None and status == 429:
                wait = reset
                self._not_before = 0.0  # this retry's wait already covers the closed window
            raise _Retry(f"HTTP {status}", wait=wait, fetched=fetched)
        return fetched
