"""First-party events (source `platform`): derive, render and deliver, one hour at a time.

The payload is specified in docs/EVENTS.md. Rendering is columnar (see jsonfmt and fixedjson);
the only Python loops run over hours, event types and fields. Modules by what they emit:
`engagement` (views and what follows them), `content`, `users`; `polls` lays the events out as
archive lines, `history` holds what spans hours, `rendering` what every event shares.
"""

from trendcast.simulator.platform.stream import PlatformStream

__all__ = ["PlatformStream"]
