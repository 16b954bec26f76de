"""A daily request budget (API quota units), kept beside the checkpoints.

YouTube bills every call in quota units against a daily allowance (10,000 by default), TikTok's
Research API allows a number of requests a day, and X and Mastodon have per-window limits: a run
that spends past its share locks the credential out for the rest of the day. The budget is
checked before every request (retries included: a failed attempt is billed too), so a run stops
cleanly one call short of it instead of being refused halfway through a page chain. It is saved
on every spend, not with the checkpoint: calls of a killed run were billed even though they will
be repeated.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from trendcast.sources.checkpoint import write_atomic
from trendcast.sources.errors import BudgetExhausted


class Budget:
    """Units spent per day (in `zone`, where the provider resets its quota) against `limit`."""

    def __init__(
        self, path: Path | None, limit: int, *, zone: str = "UTC", unit: str = "requests"
    ) -> None:
        self.path = path
        self.limit = limit
        self.zone = ZoneInfo(zone)
        self.unit = unit
        self.spent_this_run = 0
        self.state: dict = {}
        if path is not None and path.exists():
            self.state = json.loads(path.read_text(encoding="utf-8"))

    def today(self) -> str:
        return datetime.now(UTC).astimezone(self.zone).date().isoformat()

    @property
    def used(self) -> int:
        return int(self.state.get("used", 0)) if self.state.get("day") == self.today() else 0

    def spend(self, cost: int) -> None:
        """Refuse a call that would pass the day's limit before it is made, and save the new total
        at once, so a run killed mid-way cannot let the next one spend the same units again."""
        used = self.used
        if used + cost > self.limit:
            raise BudgetExhausted(
                f"daily budget reached: {used} of {self.limit} {self.unit} used on {self.today()} "
                f"({self.zone.key}); the next run resumes from the checkpoint"
            )
        self.state = {"day": self.today(), "used": used + cost, "limit": self.limit}
        self.spent_this_run += cost
        if self.path is not None:
            write_atomic(self.path, json.dumps(self.state).encode("utf-8"))
