"""Count-model intervals on a short archive: with too few origin days before the holdout, the
holdout's early fit is noise and its errors read as huge overdispersion; the models must fall
back to the full fit's own residuals and still give intervals of the right size."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from python_ml.forecast import intervals as iv
from python_ml.forecast.features import hourly_origin_features
from python_ml.forecast.models import MIN_EARLY_DAYS, LightGBMCount, NegBinGLM
from python_ml.forecast.series import CountSeries

ALPHA = 0.6  # NB2 dispersion of the simulated hourly counts


def _series(days: int, seed: int) -> CountSeries:
    rng = np.random.default_rng(seed)
    idx = pd.date_range("2025-01-01", periods=days * 24, freq="h", tz="UTC")
    mu = 2.0 * (0.4 + 1.2 * np.sin(np.arange(len(idx)) * np.pi / 24) ** 2)
    n = 1.0 / ALPHA
    y = rng.negative_binomial(n, n / (n + mu))
    frame = pd.DataFrame({"bucket_start": idx, "post_count": y, "is_gap": False})
    return CountSeries.from_buckets(frame)


@pytest.mark.parametrize("model_cls", [NegBinGLM, LightGBMCount])
def test_short_history_intervals_fall_back_to_in_sample_dispersion(model_cls):
    # warm-up + 33 origins: the 28-day holdout leaves 5 origin days (120 rows) before it
    days = 28 + 33
    series = _series(days + 14, seed=11)
    origins = pd.date_range(series.hourly.index[0] + pd.Timedelta(days=28), periods=days - 28)
    rows = hourly_origin_features(series, origins, 24, None)
    cutoff = origins[-1] + pd.Timedelta("1D")
    model = model_cls("hourly").fit(rows[rows["target_time"] < cutoff])
    assert model.params["dispersion_from"] == "in_sample"
    assert 0.2 < model.alpha < 1.5  # near the simulated 0.6, not the early fit's noise

    test_origins = pd.date_range(cutoff, periods=14)
    test = hourly_origin_features(series, test_origins, 24, None)
    test = test[test["y"].notna()]
    p = model.predict(test)
    cov = iv.coverage(test["y"].to_numpy(), p.lower, p.upper)
    assert 0.90 <= cov <= 0.995
    # no wider than the true NB(2.6, ALPHA)-sized interval allows, give or take
    assert np.mean(p.upper - p.lower) < 3 * np.mean(iv.nb_quantile(test["y"].mean(), ALPHA, 0.975))


def test_enough_history_uses_the_holdout():
    days = 28 + MIN_EARLY_DAYS + 28 + 5
    series = _series(days, seed=3)
    origins = pd.date_range(series.hourly.index[0] + pd.Timedelta(days=28), periods=days - 29)
    rows = hourly_origin_features(series, origins, 24, None)
    model = NegBinGLM("hourly").fit(rows[rows["target_time"] < origins[-1]])
    assert model.params["dispersion_from"] == "holdout"
