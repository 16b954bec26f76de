"""How sharp the daily intervals are: mean width and Winkler (interval) score of the
`local_level_log` intervals under several calibration rules, against naive empirical-quantile
intervals, on the development windows (docs/FORECASTING.md, "Daily intervals").

Every rule is run point in time exactly as the model runs it: the local-level forecasts of each
origin come from parameters fitted on the days before a weekly anchor (the model's replay), a
forecast's score is used only once its target day has ended, and gap days are never scored.

    python -m python_ml.forecast.interval_study --account elonmusk \\
        --window 2023-07-01:2023-12-31 --window 2024-01-01:2024-06-30 --window 2024-07-01:2024-12-31
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from python_ml.forecast import intervals as iv
from python_ml.forecast.models import LocalLevelLog

ALPHA = 0.05  # 95% intervals
HORIZON = LocalLevelLog.HORIZON
NAIVE_DAYS = 91  # trailing days of the naive empirical-quantile intervals


def interval_metrics(frame: pd.DataFrame) -> dict[str, float]:
    """n, coverage, mean width and mean Winkler score over the known targets of `frame`."""
    f = frame[frame["y"].notna()]
    y, lo, hi = f["y"].to_numpy(), f["lower"].to_numpy(), f["upper"].to_numpy()
    return {
        "n": len(f),
        "coverage": float(((y >= lo) & (y <= hi)).mean()),
        "mean_width": float((hi - lo).mean()),
        "winkler": float(iv.winkler(y, lo, hi).mean()),
        "below": float((y < lo).mean()),
        "above": float((y > hi).mean()),
    }


def local_level_paths(daily: pd.Series, origins: pd.DatetimeIndex) -> pd.DataFrame:
    """The model's log-scale forecasts (m, sd) for HORIZON days from every origin, as its replay
    makes them (parameters refitted weekly on the days before a fixed weekday)."""
    model = LocalLevelLog("daily", daily)
    rows = []
    for origin in origins:
        m, sd = model._replay_forecast(origin)
        for k in range(HORIZON):
            t = origin + pd.Timedelta(days=k)
            rows.append((origin, k, t, m[k], sd[k], daily.get(t, np.nan)))
    return pd.DataFrame(rows, columns=["origin", "horizon", "target_time", "m", "sd", "y"])


def online_rule(
    paths: pd.DataFrame,
    group_of: Callable[[pd.Timestamp, int], object],
    make_state: Callable[[], iv.OnlineConformal] = iv.OnlineConformal,
    power: float = 0.0,
) -> pd.DataFrame:
    """Online conformal bounds with one calibration state per group (`group_of(target, k)`):
    one group for all forecasts is the model's current rule; per horizon or per weekday of the
    target day are the alternatives. Returns paths with lower/upper."""
    paths = paths.sort_values(["origin", "horizon"]).reset_index(drop=True)
    by_key = {
        (o, k): i for i, (o, k) in enumerate(zip(paths["origin"], paths["horizon"], strict=True))
    }
    z_all = iv.ratio_score(paths["y"], paths["m"], paths["sd"], power)
    states: dict[object, iv.OnlineConformal] = {}
    lower = np.full(len(paths), np.nan)
    upper = np.full(len(paths), np.nan)

    def score(key, a_lo, a_hi):
        del a_lo, a_hi
        i = by_key[key]
        if np.isnan(z_all[i]):
            return None
        return paths.at[i, "target_time"], z_all[i], False, False

    for origin, grp in paths.groupby("origin", sort=True):
        for st in states.values():
            st.observe_until(origin, score)
        for i, k, t in zip(grp.index, grp["horizon"], grp["target_time"], strict=True):
            g = group_of(t, int(k))
            st = states[g] if g in states else states.setdefault(g, make_state())
            st.observe_until(origin, score)
            z_lo, z_hi = st.bounds(origin)
            lo, hi = iv.ratio_bounds(paths.at[i, "m"], paths.at[i, "sd"], z_lo, z_hi, power)
            lower[i], upper[i] = float(lo), float(hi)
            st.issue(origin, t + pd.Timedelta("1D"), (origin, int(k)))
    return paths.assign(lower=lower, upper=upper)


def naive_quantiles(
    paths: pd.DataFrame, daily: pd.Series, days: int = NAIVE_DAYS, recentre: bool = False
) -> pd.DataFrame:
    """The naive interval: the empirical 2.5% and 97.5% quantiles of the daily totals of the
    `days` days before the origin (gap days skipped), the same for every horizon; `recentre`
    moves them from the window's median to the model's level (`intervals.empirical_bounds`)."""
    lower, upper = np.full(len(paths), np.nan), np.full(len(paths), np.nan)
    for o, idx in paths.groupby("origin").indices.items():
        centre = paths["m"].to_numpy()[idx] if recentre else None
        lower[idx], upper[idx] = iv.empirical_bounds(daily, o, days, centre=centre)
    return paths.assign(lower=lower, upper=upper)


def blended(
    model: pd.DataFrame, naive: pd.DataFrame, weight: float, daily: pd.Series | None = None
) -> pd.DataFrame:
    """The model's interval averaged with the naive one (`intervals.blend_bounds`, as the model
    does it), on the same rows; with `daily`, only at origins where `intervals.level_is_steady`."""
    if daily is not None:
        days = NAIVE_DAYS
        steady = {o: iv.level_is_steady(daily, o, days) for o in model["origin"].unique()}
        naive = naive.assign(
            lower=naive["lower"].where(naive["origin"].map(steady)),
            upper=naive["upper"].where(naive["origin"].map(steady)),
        )
    lo, hi = iv.blend_bounds(
        model["lower"],
        model["upper"],
        naive["lower"],
        naive["upper"],
        weight,
        np.expm1(model["m"]),
    )
    return model.assign(lower=lo, upper=hi)


def naive_mean7_residuals(
    paths: pd.DataFrame, daily: pd.Series, days: int = NAIVE_DAYS
) -> pd.DataFrame:
    """A second naive interval: the 7-day mean plus the empirical 2.5% / 97.5% quantiles of its
    errors per horizon over the forecasts whose target ended in the `days` days before the
    origin."""
    mean7 = {
        o: float(daily[(daily.index < o) & (daily.index >= o - pd.Timedelta(days=7))].mean())
        for o in paths["origin"].unique()
    }
    p = paths.assign(point=paths["origin"].map(mean7))
    p["err"] = p["y"] - p["point"]
    lower = np.full(len(p), np.nan)
    upper = np.full(len(p), np.nan)
    for i, (o, k, pt) in enumerate(zip(p["origin"], p["horizon"], p["point"], strict=True)):
        past = p[
            (p["horizon"] == k)
            & (p["target_time"] + pd.Timedelta("1D") <= o)
            & (p["target_time"] >= o - pd.Timedelta(days=days))
        ]["err"].dropna()
        if len(past) < 20:
            continue
        lower[i] = max(np.floor(pt + np.quantile(past, ALPHA / 2)), 0.0)
        upper[i] = np.ceil(pt + np.quantile(past, 1 - ALPHA / 2))
    return p.assign(lower=lower, upper=upper)


BEFORE = {"quantile_halflife": 91.0}  # the online rule as it was before the blend
# the rules compared (all on the same forecasts and targets): state = OnlineConformal options,
# power = the score's Box-Cox exponent, group = one calibration state per group, blend = the
# product's average with the naive interval ("steady": only while `level_is_steady`)
CANDIDATES: dict[str, dict] = {
    "online rule before (91-day quantile half-life)": {"state": BEFORE},
    "same, one state per horizon": {"state": BEFORE, "group": lambda t, k: k},
    "same, a local scale per tail": {"state": {**BEFORE, "tail_scales": True}},
    "same, centred on the local mean score": {"state": {**BEFORE, "center": True}},
    "same, robust scale (mean |z|)": {"state": {**BEFORE, "scale_stat": "mean_abs"}},
    "same, Box-Cox 0.5 score (sqrt ratio)": {"state": BEFORE, "power": 0.5},
    "same, 365-day quantile half-life": {"state": {}},
    "365-day + blend with naive, always": {"state": {}, "blend": "always"},
    "365-day + blend with naive when steady (shipped)": {"state": {}, "blend": "steady"},
}


def candidate(paths: pd.DataFrame, daily: pd.Series, spec: dict) -> pd.DataFrame:
    """The intervals of one CANDIDATES rule on `paths`."""
    res = online_rule(
        paths,
        spec.get("group", lambda t, k: 0),
        lambda: iv.OnlineConformal(**spec["state"]),
        power=spec.get("power", 0.0),
    )
    if "blend" in spec:
        naive = naive_quantiles(res, daily, iv.EMPIRICAL_DAYS)
        res = blended(res, naive, iv.BLEND_WEIGHT, daily if spec["blend"] == "steady" else None)
    return res


def study(
    daily: pd.Series, windows: Iterable[tuple[str, str]], log=None, rules=None
) -> pd.DataFrame:
    """Metrics per window and rule (the replay warm-up is the year before each window)."""
    log = log or (lambda msg: print(msg, file=sys.stderr))
    rules = CANDIDATES if rules is None else {r: CANDIDATES[r] for r in rules}
    out = []
    for start, end in windows:
        s, e = pd.Timestamp(start, tz="UTC"), pd.Timestamp(end, tz="UTC")
        warm = s - pd.Timedelta(days=LocalLevelLog.ONLINE_DAYS)
        first = daily.index[daily.notna()].min() + pd.Timedelta(days=28)
        origins = pd.date_range(max(warm, first), e, freq="D")
        log(f"{start}..{end}: {len(origins)} origins of local-level forecasts")
        paths = local_level_paths(daily, origins)
        in_window = paths["origin"].between(s, e)
        results = {name: candidate(paths, daily, spec) for name, spec in rules.items()}
        results[f"naive: daily-total quantiles, {NAIVE_DAYS} d"] = naive_quantiles(paths, daily)
        results[f"naive: 7-day mean + error quantiles, {NAIVE_DAYS} d"] = naive_mean7_residuals(
            paths, daily
        )
        for name, res in results.items():
            r = res[in_window & res["lower"].notna()]
            out.append({"window": f"{start}..{end}", "rule": name, **interval_metrics(r)})
            out[-1]["coverage_by_horizon"] = [
                round(interval_metrics(g)["coverage"], 3) for _, g in r.groupby("horizon")
            ]
    return pd.DataFrame(out)


def main(argv: list[str] | None = None) -> None:
    from python_ml.forecast.service import load_series
    from trendcast.settings import Settings

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--account", default="elonmusk")
    ap.add_argument("--window", action="append", required=True, help="START:END (UTC days)")
    ap.add_argument("--target", default=None)
    ap.add_argument("--rule", action="append", help="only these CANDIDATES (default: all)")
    args = ap.parse_args(argv)
    series, _ = load_series(Settings.from_env(args.target), args.account)
    res = study(series.daily, [tuple(w.split(":")) for w in args.window], rules=args.rule)
    print(json.dumps(res.to_dict(orient="records"), indent=1, default=str))


if __name__ == "__main__":
    main()
