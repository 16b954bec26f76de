"""Simulator configuration: scales, imperfection rates and the run window.

Why presets: tests need a run of a few thousand events in seconds, `make run` a few hundred
thousand, and the benchmark ten million; everything else derives from the target event count so
the three scales are the same world at different sizes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

# target first-party events per run for each scale (spread over --hours)
SCALES: dict[str, int] = {
    "tiny": 5_000,
    "small": 200_000,
    "day": 10_000_000,
}
DEFAULT_HOURS: dict[str, int] = {"tiny": 2, "small": 8, "day": 24}


@dataclass(frozen=True)
class Imperfections:
    """Rates of the data problems injected on purpose (fractions; 0 disables one)."""

    late_event_rate: float = 0.004  # events delivered minutes to hours after they happened
    duplicate_event_rate: float = 0.003  # events re-delivered in a later batch (at-least-once)
    duplicate_line_rate: float = 0.004  # whole archive lines written twice
    out_of_order_line_rate: float = 0.01  # adjacent lines swapped (file order != fetched_at)
    missing_field_rate: float = 0.003  # events / records with one optional field dropped
    malformed_line_rate: float = 0.002  # extra broken lines (not JSON, missing key, wrong type)
    counter_correction_rate: float = 0.02  # videos/statuses whose public counters are lowered

    def scaled(self, factor: float) -> Imperfections:
        return Imperfections(**{k: v * factor for k, v in asdict(self).items()})


@dataclass(frozen=True)
class SimConfig:
    """One simulator run: the window, a scale preset (or an event count) and the imperfection
    rates; the same seed and config give byte-identical archives."""

    start: datetime
    hours: int
    scale: str = "tiny"
    events: int | None = None  # target first-party events; default from the scale
    seed: int = 42
    partitions: int = 8
    batch_size: int = 1000
    # the consumer polls each partition every interval; None = adaptive: about 80 % of a batch
    # per poll, between 1 and 15 minutes
    poll_interval_ms: int | None = None
    imperfections: Imperfections = field(default_factory=Imperfections)
    sources: tuple[str, ...] = ("platform", "tiktok", "mastodon")
    gzip_level: int = 1
    # Mastodon statuses per simulated day across all instances, on top of the ones the shared
    # hashtag model adopts (a few per mille of the platform stream); None adds none. The
    # benchmark runs the Mastodon stream at 1M/day this way.
    mastodon_statuses_per_day: int | None = None
    # hashtags planted to trend on one Mastodon instance each (their start time is in the
    # ground truth, _truth/mastodon_planted_trends.parquet); only in runs of 30 hours or more,
    # which give every trend a full day of history before it starts
    mastodon_planted_trends: int = 8

    def __post_init__(self) -> None:
        if self.scale not in SCALES:
            raise ValueError(f"unknown scale {self.scale!r}: use one of {', '.join(SCALES)}")
        if self.hours < 1:
            raise ValueError("hours must be >= 1")
        if self.events is not None and self.events < 100:
            raise ValueError("events must be >= 100")
        if self.start.tzinfo is None:
            object.__setattr__(self, "start", self.start.replace(tzinfo=UTC))
        start = self.start.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        object.__setattr__(self, "start", start)

    @property
    def target_events(self) -> int:
        return self.events if self.events is not None else SCALES[self.scale]

    @property
    def poll_ms(self) -> int:
        if self.poll_interval_ms is not None:
            return self.poll_interval_ms
        per_partition_ms = self.target_events / self.partitions / (self.hours * 3_600_000)
        ideal = 0.8 * self.batch_size / max(per_partition_ms, 1e-12)
        return int(min(max(ideal // 60_000 * 60_000, 60_000), 900_000))

    @property
    def start_ms(self) -> int:
        return int(self.start.timestamp() * 1000)

    @property
    def end_ms(self) -> int:
        return self.start_ms + self.hours * 3_600_000

    def as_dict(self) -> dict:
        d = asdict(self)
        d["start"] = self.start.isoformat().replace("+00:00", "Z")
        d["target_events"] = self.target_events
        return d
