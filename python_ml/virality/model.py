"""LightGBM for persists_2d: time-ordered validation, a small fixed grid, isotonic calibration.

Protocol (the same for any training end date, nothing tuned to a calendar window):
1. Training examples = first appearances whose label window closed by `train_end`
   (label_window_closes_on <= train_end).
2. Validation = the last `val_days` chart days of those examples; the inner training set keeps only
   examples whose window closed *before* validation starts (a purge gap >= the 3-day window).
3. Each grid point trains on the inner set with early stopping on validation ROC-AUC; the best
   point (validation ROC-AUC) wins. An isotonic calibrator is fit on its validation predictions.
4. The final booster is refit on all training examples with the chosen parameters and rounds
   (recent weeks matter: the chart's behaviour drifts), and the calibrator maps its raw scores.
Recent examples can be up-weighted (half-life in days): a grid dimension, chosen on validation.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.isotonic import IsotonicRegression
from sklearn.metrics import roc_auc_score

from python_ml.virality.features import CATEGORICAL, FEATURES

BASE_PARAMS: dict[str, Any] = {
    "objective": "binary",
    "learning_rate": 0.05,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "verbose": -1,
    "seed": 17,
    "deterministic": True,
    "force_row_wise": True,
    "num_threads": 1,  # deterministic on any machine; oversubscribed OpenMP threads spin
}
GRID: list[dict[str, Any]] = [
    {"num_leaves": 15, "half_life_days": None},
    {"num_leaves": 31, "half_life_days": None},
    {"num_leaves": 15, "half_life_days": 60},
    {"num_leaves": 31, "half_life_days": 60},
]
MAX_ROUNDS = 1000
EARLY_STOPPING = 60


class NotEnoughData(ValueError):
    """Too few labelled examples (or a single class) to train or validate."""


@dataclass
class PersistsModel:
    """A trained persistence model as stored in the registry: the booster plus the isotonic
    calibration points, so scoring needs no refit and gives the probabilities validation saw."""

    booster: lgb.Booster
    calibration_x: list[float]
    calibration_y: list[float]
    features: list[str]
    params: dict[str, Any]
    info: dict[str, Any] = field(default_factory=dict)

    def raw_score(self, x: pd.DataFrame) -> np.ndarray:
        return self.booster.predict(x[self.features], raw_score=True)

    def predict(self, x: pd.DataFrame) -> np.ndarray:
        """Calibrated probability of persisting."""
        raw = self.raw_score(x)
        if len(self.calibration_x) < 2:
            return 1.0 / (1.0 + np.exp(-raw))
        return np.interp(raw, self.calibration_x, self.calibration_y)

    def contributions(self, x: pd.DataFrame) -> np.ndarray:
        """Per-feature SHAP-style contributions to the raw score (last column = bias)."""
        return self.booster.predict(x[self.features], pred_contrib=True)

    # -- artifact --------------------------------------------------------------------------
    def to_json(self) -> str:
        """The whole model (booster, calibration, features, parameters) as one text artifact, so
        the registry can checksum it and a loaded model scores exactly as the trained one."""
        return json.dumps(
            {
                "format": "trendcast.virality.v1",
                "features": self.features,
                "params": self.params,
                "calibration": {"x": self.calibration_x, "y": self.calibration_y},
                "info": self.info,
                "booster": self.booster.model_to_string(),
            },
            sort_keys=True,
            default=str,
        )

    def save(self, path: Path) -> str:
        """Write the artifact; returns its sha256."""
        path.parent.mkdir(parents=True, exist_ok=True)
        data = self.to_json().encode()
        path.write_bytes(data)
        return hashlib.sha256(data).hexdigest()

    @classmethod
    def load(cls, path: Path, expected_sha256: str | None = None) -> PersistsModel:
        """Load an artifact, refusing one whose sha256 differs from the registered one: a changed
        file would silently score with another model."""
        data = Path(path).read_bytes()
        if expected_sha256 and hashlib.sha256(data).hexdigest() != expected_sha256:
            raise ValueError(f"artifact {path} does not match its registered sha256")
        doc = json.loads(data)
        return cls(
            booster=lgb.Booster(model_str=doc["booster"]),
            calibration_x=doc["calibration"]["x"],
            calibration_y=doc["calibration"]["y"],
            features=doc["features"],
            params=doc["params"],
            info=doc.get("info", {}),
        )


def _weights(as_of: pd.Series, end: date, half_life: float | None) -> np.ndarray | None:
    if not half_life:
        return None
    age = np.array([(end - d).days for d in as_of], dtype=float)
    return np.power(0.5, np.clip(age, 0, None) / half_life)


def _dataset(x: pd.DataFrame, y: np.ndarray, w: np.ndarray | None, ref=None) -> lgb.Dataset:
    return lgb.Dataset(
        x[FEATURES],
        y,
        weight=w,
        categorical_feature=CATEGORICAL,
        reference=ref,
        free_raw_data=False,
    )


def training_rows(df: pd.DataFrame, train_end: date) -> pd.Series:
    """Labelled examples whose label window closed by train_end."""
    return df["persists_2d"].notna() & (df["label_window_closes_on"] <= train_end)


def train(
    df: pd.DataFrame,
    x: pd.DataFrame,
    train_end: date,
    val_days: int = 28,
    grid: list[dict[str, Any]] | None = None,
) -> PersistsModel:
    """Train on `df`/`x` (rows of features.load_examples/build_matrix) up to `train_end`."""
    mask = training_rows(df, train_end)
    if mask.sum() < 50:
        raise NotEnoughData(f"only {int(mask.sum())} labelled examples closed by {train_end}")
    d = df.loc[mask]
    xs = x.loc[mask]
    y = d["persists_2d"].astype(int).to_numpy()
    days = sorted(set(d["as_of_date"]))
    span = (days[-1] - days[0]).days + 1
    val_days = int(min(val_days, max(7, span // 4)))
    val_start = days[-1] - timedelta(days=val_days - 1)
    is_val = (d["as_of_date"] >= val_start).to_numpy()
    is_inner = (d["label_window_closes_on"] < val_start).to_numpy()  # purge: closed before val
    if len(np.unique(y[is_val])) < 2 or len(np.unique(y[is_inner])) < 2 or is_inner.sum() < 30:
        raise NotEnoughData(
            "validation or inner-training period has a single class or too few rows"
        )
    min_child = int(max(5, min(50, is_inner.sum() // 100)))
    inner_end = max(d.loc[is_inner, "as_of_date"])
    best: dict[str, Any] | None = None
    for point in grid or GRID:
        params = {**BASE_PARAMS, "num_leaves": point["num_leaves"], "min_child_samples": min_child}
        params["metric"] = "auc"
        w = _weights(d.loc[is_inner, "as_of_date"], inner_end, point["half_life_days"])
        dtr = _dataset(xs.loc[is_inner], y[is_inner], w)
        dva = _dataset(xs.loc[is_val], y[is_val], None, ref=dtr)
        booster = lgb.train(
            params,
            dtr,
            MAX_ROUNDS,
            valid_sets=[dva],
            callbacks=[lgb.early_stopping(EARLY_STOPPING, verbose=False)],
        )
        rounds = max(20, booster.best_iteration or MAX_ROUNDS)
        raw = booster.predict(xs.loc[is_val, FEATURES], num_iteration=rounds, raw_score=True)
        auc = float(roc_auc_score(y[is_val], raw))
        if best is None or auc > best["val_roc_auc"] + 1e-6:
            best = {
                "point": point,
                "params": params,
                "rounds": rounds,
                "val_roc_auc": auc,
                "val_raw": raw,
            }
    assert best is not None
    iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0)
    iso.fit(best["val_raw"], y[is_val])
    # refit on everything closed by train_end
    n_rounds = int(best["rounds"])  # same rounds keeps raw scores on the calibrated scale
    w_all = _weights(d["as_of_date"], days[-1], best["point"]["half_life_days"])
    final = lgb.train(best["params"], _dataset(xs, y, w_all), n_rounds)
    hyper = {
        **best["params"],
        "num_boost_round": n_rounds,
        "half_life_days": best["point"]["half_life_days"],
    }
    info = {
        "train_end": str(train_end),
        "train_start": str(days[0]),
        "n_train": int(mask.sum()),
        "n_inner_train": int(is_inner.sum()),
        "validation_start": str(val_start),
        "validation_end": str(days[-1]),
        "n_validation": int(is_val.sum()),
        "validation_roc_auc": round(best["val_roc_auc"], 4),
        "grid": grid or GRID,
        "calibration": "isotonic on validation predictions of the inner model",
    }
    return PersistsModel(
        booster=final,
        calibration_x=[float(v) for v in iso.X_thresholds_],
        calibration_y=[float(v) for v in iso.y_thresholds_],
        features=list(FEATURES),
        params=hyper,
        info=info,
    )
