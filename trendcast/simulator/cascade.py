"""Self-exciting (Hawkes) cascades, simulated generation by generation for all items at once.

Why by generation: a Hawkes process is a branching process in time. Every event of generation g
has Poisson(m_item) children at delays drawn from the kernel; generation g+1 is one vectorized
`repeat` over all items, so the Python loop runs over generations (tens), never over events.
Heavy-tailed branching ratios m make most cascades die out and a few explode.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def pareto_delay(rng: np.random.Generator, n: int, scale_ms: float, shape: float) -> np.ndarray:
    """Lomax (Pareto II) delays: mean scale/(shape-1), power-law tail like observed response times."""
    u = rng.random(n, dtype=np.float32)
    d = scale_ms * ((np.float32(1.0) - u) ** np.float32(-1.0 / shape) - np.float32(1.0))
    return d.astype(np.float64)


def pareto_cdf(x_ms: np.ndarray, scale_ms: float, shape: float) -> np.ndarray:
    x = np.maximum(np.asarray(x_ms, dtype=np.float64), 0.0)
    return 1.0 - (1.0 + x / scale_ms) ** (-shape)


@dataclass
class Cascade:
    """Events of many cascades: item index, operational time, generation, parent event (-1)."""

    item: np.ndarray
    time: np.ndarray
    generation: np.ndarray
    parent: np.ndarray


def simulate(
    rng: np.random.Generator,
    immigrant_item: np.ndarray,
    immigrant_time: np.ndarray,
    branching: np.ndarray,
    delay_scale_ms: float,
    delay_shape: float,
    horizon_ms: float | np.ndarray,
    max_generations: int = 80,
    max_events: int = 60_000_000,
) -> Cascade:
    """Grow cascades from immigrants; children after `horizon_ms` are not simulated further."""
    items = [immigrant_item.astype(np.int32)]
    times = [immigrant_time.astype(np.float64)]
    gens = [np.zeros(len(immigrant_item), dtype=np.int16)]
    parents = [np.full(len(immigrant_item), -1, dtype=np.int64)]
    offset = 0
    cur_item, cur_time = items[0], times[0]
    total = len(cur_item)
    for g in range(1, max_generations + 1):
        if len(cur_item) == 0 or total >= max_events:
            break
        n_child = rng.poisson(branching[cur_item])
        parent_idx = np.repeat(np.arange(offset, offset + len(cur_item), dtype=np.int64), n_child)
        child_item = np.repeat(cur_item, n_child)
        child_time = np.repeat(cur_time, n_child) + pareto_delay(
            rng, len(child_item), delay_scale_ms, delay_shape
        )
        lim = horizon_ms if np.isscalar(horizon_ms) else horizon_ms[child_item]
        keep = child_time <= lim
        offset += len(cur_item)
        cur_item, cur_time = child_item[keep], child_time[keep]
        items.append(cur_item)
        times.append(cur_time)
        gens.append(np.full(len(cur_item), g, dtype=np.int16))
        parents.append(parent_idx[keep])
        total += len(cur_item)
    return Cascade(
        np.concatenate(items), np.concatenate(times), np.concatenate(gens), np.concatenate(parents)
    )


def heavy_branching(
    rng: np.random.Generator, n: int, breakout_share: float, lo: float, hi: float, base_scale: float
) -> np.ndarray:
    """Branching ratios: most subcritical and small, a minority near-critical (the future virals)."""
    m = rng.beta(1.6, 4.0, n) * base_scale
    breakout = rng.random(n) < breakout_share
    m[breakout] = rng.uniform(lo, hi, int(breakout.sum()))
    return m
