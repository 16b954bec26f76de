"""The quality step's rules: PSI, the score, severities, and the X low-volume and gap checks."""

from __future__ import annotations

import numpy as np
import pandas as pd

from python_ml.quality.checks import _longest_run, _severity, collection_gaps, x_post_volume
from python_ml.quality.features import psi, quality_score
from trendcast.settings import Settings


def test_psi_is_small_for_the_same_distribution_and_large_for_a_shift() -> None:
    rng = np.random.default_rng(0)
    base = rng.normal(size=5000)
    assert psi(base, rng.normal(size=5000)) < 0.05
    assert psi(base, rng.normal(loc=2.0, size=5000)) > 0.25
    assert psi(base[:5], base) is None  # too little baseline to bin


def test_quality_score_is_bounded_and_penalises_nulls_drift_and_outliers() -> None:
    assert quality_score(0.0, 0.0, 0.0) == 1.0
    assert quality_score(1.0, 10.0, 1.0) == 0.0
    assert quality_score(0.2, None, 0.0) < 1.0
    assert quality_score(0.0, 0.5, 0.0) < quality_score(0.0, 0.05, 0.0)


def test_severity_bands() -> None:
    assert _severity(0.0, 0.01, 0.05, 0.2, 0.5) is None
    assert _severity(0.03, 0.01, 0.05, 0.2, 0.5) == "low"
    assert _severity(0.3, 0.01, 0.05, 0.2, 0.5) == "high"
    assert _severity(0.9, 0.01, 0.05, 0.2, 0.5) == "critical"
    days = pd.DatetimeIndex(["2025-01-02", "2025-01-03", "2025-01-04", "2025-01-09"], tz="UTC")
    assert _longest_run(days) == 3


def test_x_checks_find_a_missing_day_and_a_thin_day(duckdb_warehouse: Settings) -> None:
    from trendcast.warehouse import connect

    days = pd.date_range("2025-03-01", periods=40, freq="D", tz="UTC")
    thin, missing = days[20], days[25]
    posts = []
    for d in days:
        if d == missing:
            continue
        n = 2 if d == thin else 40
        posts += [{"account": "someone", "created_at": d + pd.Timedelta(minutes=7 * i)}
                  for i in range(n)]  # fmt: skip
    posts = pd.DataFrame(posts)
    responses = pd.DataFrame(
        {
            "source": "x",
            "processing_status": "processed",
            "fetched_at": [d + pd.Timedelta(hours=23) for d in days if d != missing],
        }
    )
    with connect(duckdb_warehouse) as wh:
        wh.write_df(posts, "staging", "stg_x__posts")
        wh.write_df(responses, "raw", "api_responses")
        volume = list(x_post_volume(wh))
        gaps = [r for r in collection_gaps(wh) if r["source"] == "x"]
    assert len(volume) == 1 and not volume[0]["passed"]
    assert str(thin.date()) in volume[0]["details"] and str(missing.date()) in volume[0]["details"]
    assert len(gaps) == 1 and gaps[0]["observed_value"] == 1 and not gaps[0]["passed"]
    assert str(missing.date()) in gaps[0]["details"]
