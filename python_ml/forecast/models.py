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
# the holdout is only as good as the model fitted before it: with fewer origin days than this
# before the holdout (a young account, a short archive) the early fit is noise, its holdout
# errors look like huge overdispersion (seen on a 2-month archive: hourly intervals up to 325
# posts for a mean of 2), so dispersion comes from the full fit's own residuals instead
MIN_EARLY_DAYS = 28


@dataclass
class Prediction:
    point: np.ndarray
    mean: np.ndarray
    lower: np.ndarray
    upper: np.ndarray


class Forecaster:
    """The one interface every forecaster implements (fit on rows before an origin, predict a
    row per target bucket), so backtests, scoring and reports treat all models alike."""

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
        if early["origin"].nunique() >= MIN_EARLY_DAYS and len(hold) > 20:
            mu_hold = self._predict_mean(self._fit_mean(early), hold)
            self.alpha = iv.fit_dispersion(hold["y"].to_numpy(), mu_hold)
            self.level = iv.calibrate_level(hold["y"].to_numpy(), mu_hold, self.alpha)
            source = "holdout"
            self.model = self._fit_mean(rows)
        else:
            # in-sample residuals understate the spread a little; the level stays nominal
            self.model = self._fit_mean(rows)
            mu = self._predict_mean(self.model, rows)
            self.alpha = iv.fit_dispersion(rows["y"].to_numpy(), mu)
            self.level = 0.95
            source = "in_sample"
        self.params.update(
            alpha=round(self.alpha, 5), interval_level=self.level, dispersion_from=source
        )
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
    """Gradient-boosted Poisson regression on the calendar and lag features: the model that can
    use many weak signals at once, compared against the count GLM and the baselines in backtests."""

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
        x["event_intensity_max_24h"] = rows["event_intensity_max_24h"].fillna(0)
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
    Interval (calibration="online", the default): the log-scale interval is m + [q_lo, q_hi] * sd
    with sd the model's own forecast sd for the horizon, and q from `intervals.OnlineConformal`
    on the standardized log residuals z = (log1p(y) - m) / sd of every forecast whose target day
    ended before the origin: a local scale (exponentially weighted RMS of z, half-life 14 days)
    times recency-weighted conformal quantiles (half-life 91 days) of z over the scale at issue.
    `fit` builds that state by replaying the `ONLINE_DAYS` origins before the fit (parameters
    refitted weekly on the days before; each origin sees only the days before it), so the
    production path (fit, then forecast from the end of the data) starts from the same state as
    the backtest; `predict` at a later origin continues it with the forecasts issued since the
    fit whose targets have ended. calibration="conformal" is the earlier static rule: the
    split-conformal ranks of the last `CALIBRATION_DAYS` of those residuals, fixed until the next
    fit.

    The interval written is that one averaged bound by bound (`blend` weight) with the naive
    empirical 2.5% / 97.5% quantiles of the `blend_days` known days before the origin, at origins
    where `intervals.level_is_steady` (after a level shift the model's alone): on the development
    windows this lowered the Winkler score by 1-8% at 94.5-95.4% coverage (docs/FORECASTING.md).
    The online scores stay those of the model's own interval. `power` > 0 scores Box-Cox ratios
    instead of log residuals (a candidate that scored worse; 0 is the log).
    """

    name = "local_level_log"
    kind = "model"
    FIT_DAYS = 365
    CALIBRATION_DAYS = 91  # static conformal holdout (calibration="conformal")
    ONLINE_DAYS = 365  # origins replayed before each fit for the online calibration
    REPLAY_REFIT_DAYS = 7  # parameters refitted weekly during the replay (on fixed weekdays)
    HORIZON = 7  # days forecast from each origin (as in the backtest), all scored online

    def __init__(
        self,
        granularity: str,
        daily: pd.Series,
        calibration: str = "online",
        gamma: float = 0.0,
        scale_halflife: float = iv.SCALE_HALFLIFE_DAYS,
        quantile_halflife: float = iv.QUANTILE_HALFLIFE_DAYS,
        power: float = 0.0,
        blend: float = iv.BLEND_WEIGHT,
        blend_days: int = iv.EMPIRICAL_DAYS,
    ) -> None:
        if granularity != "daily":
            raise ValueError("local_level_log forecasts daily totals only")
        if calibration not in ("online", "conformal"):
            raise ValueError("calibration is 'online' (adaptive) or 'conformal' (static)")
        super().__init__(granularity)
        self.daily = daily  # the full series; only days before each origin are ever read
        self.calibration = calibration
        self.power = power
        self.blend, self.blend_days = blend, blend_days
        self._online_args = {
            "gamma": gamma,
            "scale_halflife": scale_halflife,
            "quantile_halflife": quantile_halflife,
        }
        self.params = {
            "transform": "log1p",
            "fit_days": self.FIT_DAYS,
            "calibration": calibration,
            "score_power": power,
            "blend_weight": blend,
            "blend_days": blend_days,
        }
        self.state_params: np.ndarray | None = None
        self.z_low, self.z_high = -1.96, 1.96
        self._issued: dict[pd.Timestamp, tuple[np.ndarray, np.ndarray]] = {}
        self._issued_z: dict[pd.Timestamp, tuple[float, float]] = {}
        self.online = iv.OnlineConformal(**self._online_args)
        self.cutoff: pd.Timestamp | None = None
        # replay caches (pure functions of the origin: parameters fitted on the days before a
        # fixed weekly anchor, forecasts from the days before the origin), shared by refits
        self._anchor_params: dict[pd.Timestamp, np.ndarray] = {}
        self._replay_fc: dict[pd.Timestamp, tuple[np.ndarray, np.ndarray]] = {}

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

    def _bounds(
        self, m: np.ndarray, sd: np.ndarray, z_lo: float, z_hi: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """Count-scale bounds of the scores z_lo, z_hi around the log-scale forecast (m, sd)."""
        return iv.ratio_bounds(m, sd, z_lo, z_hi, self.power)

    def _score(self, key: tuple[pd.Timestamp, int], a_lo: float, a_hi: float):
        """(target day, standardized log residual, below, above) of the forecast `key`, read only
        once its target day has ended (OnlineConformal guarantees that)."""
        del a_lo, a_hi  # the bounds it was issued with are stored
        origin, k = key
        t = origin + pd.Timedelta(days=k)
        y = self.daily.get(t, np.nan)
        if pd.isna(y):
            return None  # a gap day (or beyond the data): not scored
        m, sd = self._issued[origin]
        lo, hi = self._bounds(m[k : k + 1], sd[k : k + 1], *self._issued_z[origin])
        return t, float(iv.ratio_score(y, m[k], sd[k], self.power)), y < lo[0], y > hi[0]

    def _issue(
        self,
        cal: iv.OnlineConformal,
        origin: pd.Timestamp,
        forecast: tuple[np.ndarray, np.ndarray],
    ) -> None:
        """Issue the HORIZON days forecast from `origin` for online scoring."""
        self._issued[origin] = forecast
        self._issued_z[origin] = cal.bounds(origin)
        for k in range(self.HORIZON):
            # the target day origin + k is known once it has ended
            cal.issue(origin, origin + pd.Timedelta(days=k + 1), (origin, k))

    def _replay_forecast(self, origin: pd.Timestamp) -> tuple[np.ndarray, np.ndarray]:
        """The forecast the model would have made at `origin` during the replay: parameters
        fitted on the days before the latest weekly anchor (a fixed weekday) at or before it."""
        if origin not in self._replay_fc:
            epoch = pd.Timestamp("2000-01-03", tz=origin.tz)  # a Monday
            anchor = origin - pd.Timedelta(days=(origin - epoch).days % self.REPLAY_REFIT_DAYS)
            if anchor not in self._anchor_params:
                self._anchor_params[anchor] = self._fit_params(anchor)
            self._replay_fc[origin] = self._forecast(
                origin, self._anchor_params[anchor], self.HORIZON
            )
        return self._replay_fc[origin]

    def fit(self, rows: pd.DataFrame) -> LocalLevelLog:
        # the training rows end the day before the first origin this fit will serve
        cutoff = pd.Timestamp(rows["target_time"].max()).floor("D") + pd.Timedelta("1D")
        self.cutoff = cutoff
        self._issued, self._issued_z = {}, {}
        # the online calibration: replay the origins of the ONLINE_DAYS before the fit as they
        # would have run (each origin sees only the days before it; parameters refitted weekly
        # on the data before; a forecast is scored only once its target day has ended)
        cal = iv.OnlineConformal(**self._online_args)
        replay_start = cutoff - pd.Timedelta(days=self.ONLINE_DAYS)
        hold_start = cutoff - pd.Timedelta(days=self.CALIBRATION_DAYS)
        z: list[float] = []  # static conformal: holdout scores of the last CALIBRATION_DAYS
        first = self.daily.index[self.daily.notna()].min() + pd.Timedelta(days=28)
        for origin in pd.date_range(max(replay_start, first), cutoff - pd.Timedelta("1D")):
            cal.observe_until(origin, self._score)
            self._issue(cal, origin, self._replay_forecast(origin))
        cal.observe_until(cutoff, self._score)
        z = [
            zz for t, zz in zip(cal.scored_t, cal.scored_z, strict=True) if hold_start <= t < cutoff
        ]
        self.z_low, self.z_high = conformal_bounds(np.asarray(z, dtype=float))
        self.online = cal  # the calibrated state at the cutoff (production forecasts from here)
        self.state_params = self._fit_params(cutoff)
        self.params.update(
            z_low=round(float(self.z_low), 4),
            z_high=round(float(self.z_high), 4),
            n_calibration=len(z),
            variances=[round(float(v), 6) for v in self.state_params],
            **cal.summary(cutoff),
        )
        return self

    def _online_at(self, origin: pd.Timestamp) -> iv.OnlineConformal:
        """The online state at `origin`: the fit's state, then the forecasts issued from the
        origins since the cutoff (fitted parameters) whose target day ended before `origin`."""
        if self.cutoff is None or origin < self.cutoff:
            raise ValueError(f"origin {origin} is before the fit's cutoff {self.cutoff}")
        cal = self.online.copy()
        for o in pd.date_range(self.cutoff, origin - pd.Timedelta("1D"), freq="D"):
            cal.observe_until(o, self._score)
            self._issue(cal, o, self._forecast(o, self.state_params, self.HORIZON))
        cal.observe_until(origin, self._score)
        return cal

    def z_bounds(self, origin: pd.Timestamp) -> tuple[float, float]:
        """The interval's bounds in units of the model's forecast sd at `origin`."""
        if self.calibration == "conformal":
            return self.z_low, self.z_high
        return self._online_at(origin).bounds(origin)

    def predict(self, rows: pd.DataFrame) -> Prediction:
        n = len(rows)
        m_out, sd_out = np.full(n, np.nan), np.full(n, np.nan)
        lo_out, hi_out = np.full(n, np.nan), np.full(n, np.nan)
        pos = {i: j for j, i in enumerate(rows.index)}
        for origin, grp in rows.groupby("origin", sort=False):
            origin = pd.Timestamp(origin)
            steps = int(grp["horizon"].max()) + 1
            m, sd = self._forecast(origin, self.state_params, steps)
            lo, hi = self._bounds(m, sd, *self.z_bounds(origin))
            if self.blend > 0 and iv.level_is_steady(self.daily, origin, self.blend_days):
                lo_e, hi_e = iv.empirical_bounds(self.daily, origin, self.blend_days)
                lo, hi = iv.blend_bounds(lo, hi, lo_e, hi_e, self.blend, np.expm1(m))
            for i, k in zip(grp.index, grp["horizon"].astype(int), strict=True):
                j = pos[i]
                m_out[j], sd_out[j], lo_out[j], hi_out[j] = m[k], sd[k], lo[k], hi[k]
        point = np.expm1(m_out)
        # the mean of a log-normal predictive distribution (for RMSE-minded readers)
        mean = np.expm1(m_out + 0.5 * sd_out**2)
        return Prediction(point=point, mean=mean, lower=lo_out, upper=hi_out)


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
