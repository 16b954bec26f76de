"""Fan chart: recent history, the point forecast and its 95% interval."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd


def fan_chart(
    history: pd.Series,
    forecast: pd.DataFrame,
    path: Path,
    title: str,
    history_hours: int = 24 * 7,
) -> Path:
    """history: hourly counts (NaN = gap); forecast: target_time, predicted_count, predicted_mean,
    lower_bound_95, upper_bound_95."""
    path.parent.mkdir(parents=True, exist_ok=True)
    h = history.iloc[-history_hours:]
    fig, ax = plt.subplots(figsize=(11, 4.2), dpi=110)
    ax.plot(h.index, h.to_numpy(), color="#444", lw=0.9, label="observed (hourly)")
    gaps = h[h.isna()]
    if len(gaps):
        ax.scatter(
            gaps.index, [0] * len(gaps), marker="|", color="#c33", s=30, label="collection gap"
        )
    f = forecast.sort_values("target_time")
    t = pd.to_datetime(f["target_time"], utc=True)
    ax.fill_between(
        t,
        f["lower_bound_95"],
        f["upper_bound_95"],
        step="post",
        color="#3b7dd8",
        alpha=0.25,
        label="95% interval",
    )
    ax.step(t, f["predicted_mean"], where="post", color="#3b7dd8", lw=1.0, ls="--", label="mean")
    ax.step(t, f["predicted_count"], where="post", color="#1f4e9c", lw=1.4, label="point (median)")
    ax.axvline(t.iloc[0], color="#999", lw=0.8)
    ax.set_title(title)
    ax.set_ylabel("posts per hour")
    ax.legend(loc="upper left", fontsize=8, ncol=3)
    ax.grid(alpha=0.3)
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
