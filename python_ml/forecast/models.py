"""Every forecaster behind one interface: fit on feature rows with known targets, then
`predict` -> point (NB median for learned models, the MAE-optimal point), mean, and a 95% interval.

Hyper-parameters are fixed by rule here (not searched on the backtest window): see
docs/FORECASTING.md.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from scipy import optimize
from scipy.signal import lfilter

from python_ml.forecast import intervals as iv
from python_ml.forecast.features import DAILY_FEATURES, HOURLY_FEATURES

HOLDOUT_DAYS = 28  # most recent weeks held out to fit dispersion and calibrate the level


@dataclass
class Prediction:
    point: np.ndarray
    mean: np.ndarray
    lower: np.ndarray
    upper: np.ndarray


class Forecaster:
    name: str = "base"
    kind: str = "baseline"

    def __init__(self, granularity: str) -> None:
        self.granularity = granularity
        self.params: dict[str, Any] = {}

    def fit(self, rows: pd.DataFrame) -> Forecaster:
        return self

    def predict(self, rows: pd.DataFrame) -> Prediction:
        raise NotImplementedError


class SeasonalNaive(Forecaster):
    """Baselines: the point is a column of the feature rows; Poisson interval (shows how far
    too narrow Poisson is on this data)."""

    kind = "baseline"

    def __init__(self, granularity: str, name: str, column: str) -> None:
        super().__init__(granularity)
        self.name = name
        self.column = column
        self.params = {"column": column, "interval": "poisson"}

    def predict(self, rows: pd.DataFrame) -> Prediction:
        mu = rows[self.column].to_numpy(dtype=float)
        lo, hi = iv.poisson_interval(np.nan_to_num(mu, nan=0.0))
        lo[np.isnan(mu)] = np.nan
        hi[np.isnan(mu)] = np.nan
        return Prediction(point=mu, mean=mu, lower=lo, upper=hi)


def baselines(granularity: str) -> list[Forecaster]:
    if granularity == "hourly":
        return [
            SeasonalNaive("hourly", "naive_same_hour_yesterday", "same_hour_last"),
            SeasonalNaive("hourly", "naive_same_hour_last_week", "target_lag_7d"),
            SeasonalNaive("hourly", "mean_same_hour_4w", "same_hour_mean_4w"),
        ]
    return [SeasonalNaive("daily", "mean_7d", "mean_7d")]


class CountModel(Forecaster):
    """A mean model + NB predictive distribution with holdout-fitted dispersion and level."""

    kind = "model"

    def _fit_mean(self, rows: pd.DataFrame) -> Any:
        raise NotImplementedError

    def _predict_mean(self, model: Any, rows: pd.DataFrame) -> np.ndarray:
        raise NotImplementedError

    def fit(self, rows: pd.DataFrame) -> CountModel:
        rows = rows[rows["y"].notna()]
        cut = rows["target_time"].max() - pd.Timedelta(days=HOLDOUT_DAYS)
        early, hold = rows[rows["target_time"] <= cut], rows[rows["target_time"] > cut]
        # holdout rows must have been forecastable from origins after the early fit's data
        hold = hold[hold["origin"] > cut]
        if len(early) > 50 and len(hold) > 20:
            mu_hold = self._predict_mean(self._fit_mean(early), hold)
            self.alpha = iv.fit_dispersion(hold["y"].to_numpy(), mu_hold)
            self.level = iv.calibrate_level(hold["y"].to_numpy(), mu_hold, self.alpha)
        else:
            self.alpha, self.level = 1.0, 0.95
        self.model = self._fit_mean(rows)
        self.params.update(alpha=round(self.alpha, 5), interval_level=self.level)
        return self

    def predict(self, rows: pd.DataFrame) -> Prediction:
        mu = self._predict_mean(self.model, rows)
        lo, hi = iv.nb_interval(mu, self.alpha, self.level)
        point = iv.nb_quantile(mu, self.alpha, 0.5)
        return Prediction(point=point, mean=mu, lower=lo, upper=hi)


def _offset(rows: pd.DataFrame, granularity: str) -> np.ndarray:
    """log of a robust recent level: trees then learn multiplicative deviations from it, which
    carries over when the account's level shifts."""
    if granularity == "hourly":
        lvl = rows["same_hour_mean_28d"].fillna(rows["rolling_mean_28d"])
        lvl = 0.5 * lvl + 0.5 * rows["rolling_mean_7d"].fillna(lvl)
    else:
        lvl = rows["ewm_level"].fillna(rows["mean_28d"])
    return np.log(np.maximum(lvl.fillna(1.0).to_numpy(dtype=float), 0.05))


class LightGBMCount(CountModel):
    name = "lightgbm_poisson"

    def __init__(self, granularity: str) -> None:
        super().__init__(granularity)
        self.features = HOURLY_FEATURES if granularity == "hourly" else DAILY_FEATURES
        small = granularity == "daily"
        self.params = {
            "objective": "poisson",
            "learning_rate": 0.03,
            "n_estimators": 200 if small else 300,
            "num_leaves": 7 if small else 15,
            "min_child_samples": 30 if small else 200,
            "subsample": 0.8,
            "subsample_freq": 1,
            "colsample_bytree": 0.8,
            "reg_lambda": 1.0,
            "verbose": -1,
            "n_jobs": 1,
            "random_state": 7,
        }

    def _fit_mean(self, rows: pd.DataFrame) -> Any:
        m = lgb.LGBMRegressor(**self.params)
        m.fit(rows[self.features], rows["y"], init_score=_offset(rows, self.granularity))
        return m

    def _predict_mean(self, model: Any, rows: pd.DataFrame) -> np.ndarray:
        raw = model.predict(rows[self.features], raw_score=True)
        return np.exp(raw + _offset(rows, self.granularity))


class NegBinGLM(CountModel):
    """statsmodels NB2 GLM on log levels + calendar dummies."""

    name = "negbin_glm"

    def _design(self, rows: pd.DataFrame) -> pd.DataFrame:
        import statsmodels.api as sm

        x = pd.DataFrame(index=rows.index)
        if self.granularity == "hourly":
            lvl28 = rows["rolling_mean_28d"].fillna(0)
            cols = {
                "l_mean_7d": rows["rolling_mean_7d"].fillna(lvl28),
                "l_mean_24h": rows["rolling_mean_24h"].fillna(lvl28),
                "l_mean_28d": lvl28,
                "l_same_hour_28d": rows["same_hour_mean_28d"].fillna(lvl28),
                "l_same_hour_7d": rows["same_hour_mean_7d"].fillna(lvl28),
            }
            for name, col in cols.items():
                x[name] = np.log1p(col.to_numpy(dtype=float))
            x["near"] = np.exp(-rows["horizon"].to_numpy(dtype=float) / 6.0) * np.log1p(
                rows["mean_6h"].fillna(0).to_numpy(dtype=float)
            )
            for h in range(1, 24):
                x[f"hour_{h}"] = (rows["hour_of_day"] == h).astype(float)
        else:
            lvl28 = rows["mean_28d"].fillna(0)
            for c in ["lag_1d", "mean_3d", "mean_7d", "ewm_level", "mean_28d"]:
                x[f"l_{c}"] = np.log1p(rows[c].fillna(lvl28).to_numpy(dtype=float))
        for d in range(1, 7):
            x[f"dow_{d}"] = (rows["day_of_week"] == d).astype(float)
        x["event_intensity_24h"] = rows["event_intensity_24h"].fillna(0)
        return sm.add_constant(x, has_constant="add")

    def _fit_mean(self, rows: pd.DataFrame) -> Any:
        import statsmodels.api as sm

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fam = sm.families.NegativeBinomial(alpha=getattr(self, "alpha", 1.0))
            return sm.GLM(rows["y"].to_numpy(), self._design(rows), family=fam).fit()

    def _predict_mean(self, model: Any, rows: pd.DataFrame) -> np.ndarray:
        return np.asarray(model.predict(self._design(rows)), dtype=float)


class LocalLevelLog(Forecaster):
    """Daily totals: a local-level state-space model on log(1 + count) (random-walk level plus
    day noise, both variances by maximum likelihood on the trailing year; gap days are missing
    observations for the Kalman filter, never zeros).

    Why this and not a regression: on the 2023-2024 development windows most of the day-to-day
    variance is day noise around a slowly moving level (fitted signal-to-noise ~0.02), so the
    best a forecaster can do is estimate that level well; the Kalman filter is the optimal
    exponential smoothing for exactly that, with its gain fitted rather than chosen.

    Point forecast = exp(level) - 1, the median of the predictive distribution (MAE-optimal).
    Interval: the model's own forecast variance grows with the horizon; the standardized log
    residuals of a rolling holdout (origins in the `CALIBRATION_DAYS` before the fit, forecast
    with parameters fitted before the holdout) give the 2.5% and 97.5% quantiles (split-conformal
    ranks), which replace +-1.96 and make the interval asymmetric where the data are (slow days
    fall further below the level than busy days rise above it).
    """

    name = "local_level_log"
    kind = "model"
    FIT_DAYS = 365
    CALIBRATION_DAYS = 91

    def __init__(self, granularity: str, daily: pd.Series) -> None:
        if granularity != "daily":
            raise ValueError("local_level_log forecasts daily totals only")
        super().__init__(granularity)
        self.daily = daily  # the full series; only days before each origin are ever read
        self.params = {
            "transform": "log1p",
            "fit_days": self.FIT_DAYS,
            "calibration_days": self.CALIBRATION_DAYS,
        }
        self.state_params: np.ndarray | None = None
        self.z_low, self.z_high = -1.96, 1.96

    def _history(self, origin: pd.Timestamp) -> np.ndarray:
        s = self.daily[
            (self.daily.index + pd.Timedelta("1D") <= origin)
            & (self.daily.index >= origin - pd.Timedelta(days=self.FIT_DAYS))
        ]
        return np.log1p(s.to_numpy(dtype=float))

    @staticmethod
    def _model(ly: np.ndarray) -> Any:
        from statsmodels.tsa.statespace.structural import UnobservedComponents

        return UnobservedComponents(ly, level="llevel")

    def _fit_params(self, origin: pd.Timestamp) -> np.ndarray:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return np.asarray(self._model(self._history(origin)).fit(disp=False).params)

    def _forecast(
        self, origin: pd.Timestamp, params: np.ndarray, steps: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Log-scale mean and sd for the days origin, origin+1, ... from days before origin."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = self._model(self._history(origin)).smooth(params)
            f = res.get_forecast(steps)
        return np.asarray(f.predicted_mean, dtype=float), np.sqrt(
            np.asarray(f.var_pred_mean, dtype=float)
        )

    def fit(self, rows: pd.DataFrame) -> LocalLevelLog:
        # the training rows end the day before the first origin this fit will serve
        cutoff = pd.Timestamp(rows["target_time"].max()).floor("D") + pd.Timedelta("1D")
        hold_start = cutoff - pd.Timedelta(days=self.CALIBRATION_DAYS)
        z: list[float] = []
        if self.daily[self.daily.index < hold_start].notna().sum() >= 28:
            p0 = self._fit_params(hold_start)
            for origin in pd.date_range(hold_start, cutoff - pd.Timedelta("1D"), freq="D"):
                m, sd = self._forecast(origin, p0, 7)
                for k in range(7):
                    t = origin + pd.Timedelta(days=k)
                    if t < cutoff and t in self.daily.index and pd.notna(self.daily[t]):
                        z.append((np.log1p(self.daily[t]) - m[k]) / sd[k])
        self.z_low, self.z_high = conformal_bounds(np.asarray(z, dtype=float))
        self.state_params = self._fit_params(cutoff)
        self.params.update(
            z_low=round(float(self.z_low), 4),
            z_high=round(float(self.z_high), 4),
            n_calibration=len(z),
            variances=[round(float(v), 6) for v in self.state_params],
        )
        return self

    def predict(self, rows: pd.DataFrame) -> Prediction:
        n = len(rows)
        m_out, sd_out = np.full(n, np.nan), np.full(n, np.nan)
        pos = {i: j for j, i in enumerate(rows.index)}
        for origin, grp in rows.groupby("origin", sort=False):
            steps = int(grp["horizon"].max()) + 1
            m, sd = self._forecast(pd.Timestamp(origin), self.state_params, steps)
            for i, k in zip(grp.index, grp["horizon"].astype(int), strict=True):
                m_out[pos[i]], sd_out[pos[i]] = m[k], sd[k]
        point = np.expm1(m_out)
        lower = np.maximum(np.floor(np.expm1(m_out + self.z_low * sd_out)), 0.0)
        upper = np.ceil(np.expm1(m_out + self.z_high * sd_out))
        # the mean of a log-normal predictive distribution (for RMSE-minded readers)
        mean = np.expm1(m_out + 0.5 * sd_out**2)
        return Prediction(point=point, mean=mean, lower=lower, upper=upper)


def conformal_bounds(z: np.ndarray, level: float = 0.95, min_n: int = 40) -> tuple[float, float]:
    """Split-conformal quantiles of holdout standardized residuals: the ranks
    floor(a(n+1)) and ceil((1-a)(n+1)) with a = (1-level)/2, so each tail holds at most its share
    out of sample. Too few residuals -> the Gaussian +-1.96."""
    z = np.sort(z[~np.isnan(z)])
    n = len(z)
    if n < min_n:
        return -1.959964, 1.959964
    a = (1.0 - level) / 2.0
    lo = z[max(0, int(np.floor(a * (n + 1))) - 1)]
    hi = z[min(n - 1, int(np.ceil((1 - a) * (n + 1))) - 1)]
    return float(lo), float(hi)


@dataclass
class _HawkesFit:
    mu: np.ndarray  # baseline per hour of day
    a: float  # branching ratio
    b: float  # per-hour decay of the kernel
    history: dict[pd.Timestamp, float] = field(default_factory=dict)


class DiscreteHawkes(CountModel):
    """Self-exciting count model: lambda_t = mu[hour(t)] + a * sum_j (1-b) b^(j-1) y_(t-j),
    an exponential-kernel Hawkes process observed in hourly bins, fitted by Poisson MLE (scipy) on
    the last 28 days before the origin; multi-step means by the mean recursion. (tick, the
    maintained Hawkes library, installs but its learners fail at construction here: see docs.)"""

    name = "hawkes_exp"
    FIT_DAYS = 28

    def __init__(self, granularity: str, hourly: pd.Series | None = None) -> None:
        super().__init__(granularity)
        self.hourly = hourly  # the full series; only data before each origin is ever read
        self.params = {"kernel": "exponential", "fit_days": self.FIT_DAYS}
        self._cache: dict[pd.Timestamp, _HawkesFit] = {}

    def _fit_window(self, origin: pd.Timestamp) -> _HawkesFit:
        if origin in self._cache:
            return self._cache[origin]
        s = self.hourly[
            (self.hourly.index < origin)
            & (self.hourly.index >= origin - pd.Timedelta(days=self.FIT_DAYS + 2))
        ]
        y = s.to_numpy(dtype=float)
        hours = s.index.hour.to_numpy()
        y0 = np.nan_to_num(y, nan=0.0)

        def excitation(b: float) -> np.ndarray:
            # ex[t] = sum_j (1-b) b^(j-1) y[t-j]  (state before bucket t)
            acc = lfilter([1 - b], [1, -b], y0)
            return np.concatenate([[0.0], acc[:-1]])

        ok = ~np.isnan(y)
        ok[:48] = False  # burn-in for the kernel state

        def nll(theta: np.ndarray) -> float:
            mu = np.exp(theta[:24])
            a = 1 / (1 + np.exp(-theta[24]))
            b = 1 / (1 + np.exp(-theta[25]))
            lam = mu[hours] + a * excitation(b)
            lam = np.maximum(lam[ok], 1e-9)
            return float((lam - y[ok] * np.log(lam)).sum())

        m = np.nanmean(y) if ok.any() else 1.0
        theta0 = np.concatenate([np.full(24, np.log(max(m, 0.05) * 0.5)), [0.0, 0.0]])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = optimize.minimize(nll, theta0, method="L-BFGS-B", options={"maxiter": 200})
        th = res.x
        fit = _HawkesFit(
            mu=np.exp(th[:24]),
            a=float(1 / (1 + np.exp(-th[24]))),
            b=float(1 / (1 + np.exp(-th[25]))),
        )
        fit.history = {"state": float(excitation(fit.b)[-1] * fit.b + (1 - fit.b) * y0[-1])}
        self._cache[origin] = fit
        return fit

    def _predict_mean(self, model: Any, rows: pd.DataFrame) -> np.ndarray:
        out = np.empty(len(rows))
        for origin, grp in rows.groupby("origin", sort=False):
            fit = self._fit_window(origin)
            state = fit.history["state"]
            order = grp.sort_values("horizon")
            means = {}
            for pos, (hz, hr) in enumerate(
                zip(order["horizon"], order["hour_of_day"], strict=True)
            ):
                lam = fit.mu[int(hr)] + fit.a * state
                means[order.index[pos]] = lam
                state = fit.b * state + (1 - fit.b) * lam
                del hz
            out[[rows.index.get_loc(i) for i in grp.index]] = [means[i] for i in grp.index]
        return out

    def _fit_mean(self, rows: pd.DataFrame) -> Any:
        return None  # refitted per origin from the series (it only needs the last 28 days)


def learned_models(
    granularity: str, hourly: pd.Series | None = None, daily: pd.Series | None = None
) -> list[Forecaster]:
    """The learned candidates; `hourly` enables the Hawkes model (slow), `daily` the local-level
    model (both read the series directly, only before each origin)."""
    models: list[Forecaster] = [LightGBMCount(granularity), NegBinGLM(granularity)]
    if granularity == "hourly" and hourly is not None:
        models.append(DiscreteHawkes("hourly", hourly))
    if granularity == "daily" and daily is not None:
        models.append(LocalLevelLog("daily", daily))
    return models
