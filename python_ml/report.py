"""HTML report for the YouTube virality model: ROC and PR curves (model vs baselines),
calibration, feature importance, lead time and the top predictions of the latest chart day.

Curves come from the latest model whose predictions already have labels (an `evaluate` run, or a
production model once its prediction windows have closed); the top list from the latest scores.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.calibration import calibration_curve
from sklearn.metrics import precision_recall_curve, roc_curve

from python_ml.virality import MODEL_NAME, TASK
from python_ml.virality.baselines import BASELINES
from python_ml.virality.features import build_matrix
from python_ml.virality.metrics import binary_metrics
from python_ml.virality.model import PersistsModel
from trendcast.settings import Settings
from trendcast.warehouse import Warehouse

_LABELLED = """
select p.score, p.as_of, f.*, t.title, l.persists_2d, l.last_seen_date
from ml.predictions as p
inner join trends.youtube_chart_features as f
    on p.entity_id = f.video_id and p.region = f.region_code and p.as_of = f.as_of_date
inner join trends.youtube_chart_labels as l
    on f.region_code = l.region_code and f.video_id = l.video_id
left join private.youtube_chart_titles as t
    on f.region_code = t.region_code and f.video_id = t.video_id
where p.task = ? and p.model_version = ? and l.persists_2d is not null
"""

_TOP = """
select p.region, p.entity_id, p.as_of, p.score, t.title, f.chart_rank, f.view_count,
    f.category_id, f.video_age_hours
from ml.predictions as p
inner join trends.youtube_chart_features as f
    on p.entity_id = f.video_id and p.region = f.region_code and p.as_of = f.as_of_date
left join private.youtube_chart_titles as t
    on f.region_code = t.region_code and f.video_id = t.video_id
where p.task = ? and p.model_version = ?
    and p.as_of = (select max(as_of) from ml.predictions where task = ? and model_version = ?)
order by p.score desc
limit 30
"""


def _models(wh: Warehouse) -> pd.DataFrame:
    if not wh.table_exists("ml", "model_metadata"):
        return pd.DataFrame()
    return wh.query_df(
        "select * from ml.model_metadata where model_name = ? order by trained_at desc",
        [MODEL_NAME],
    )


def _save(fig: plt.Figure, out: Path, name: str) -> str:
    fig.tight_layout()
    fig.savefig(out / name, dpi=110)
    plt.close(fig)
    return name


def plot_curves(y: np.ndarray, scores: dict[str, np.ndarray], out: Path) -> list[str]:
    names = []
    fig, ax = plt.subplots(figsize=(5.2, 4.4))
    for label, s in scores.items():
        fpr, tpr, _ = roc_curve(y, s)
        ax.plot(fpr, tpr, label=label, lw=2 if label == "model" else 1)
    ax.plot([0, 1], [0, 1], "k:", lw=0.8)
    ax.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC")
    ax.legend(loc="lower right", fontsize=8)
    names.append(_save(fig, out, "virality_roc.png"))
    fig, ax = plt.subplots(figsize=(5.2, 4.4))
    for label, s in scores.items():
        prec, rec, _ = precision_recall_curve(y, s)
        ax.plot(rec, prec, label=label, lw=2 if label == "model" else 1)
    ax.axhline(y.mean(), color="k", ls=":", lw=0.8, label="base rate")
    ax.set(xlabel="recall", ylabel="precision", title="Precision-recall")
    ax.legend(loc="upper right", fontsize=8)
    names.append(_save(fig, out, "virality_pr.png"))
    return names


def plot_calibration(y: np.ndarray, p: np.ndarray, out: Path) -> str:
    fig, ax = plt.subplots(figsize=(5.2, 4.4))
    frac, mean = calibration_curve(y, np.clip(p, 0, 1), n_bins=10, strategy="quantile")
    ax.plot(mean, frac, "o-", label="model")
    ax.plot([0, 1], [0, 1], "k:", lw=0.8, label="perfect")
    ax.set(xlabel="predicted probability", ylabel="observed persistence", title="Calibration")
    ax.legend(fontsize=8)
    return _save(fig, out, "virality_calibration.png")


def plot_importance(model: PersistsModel, out: Path) -> str:
    gain = pd.Series(model.booster.feature_importance("gain"), index=model.features)
    gain = (gain / gain.sum()).sort_values().tail(20)
    fig, ax = plt.subplots(figsize=(6, 5.5))
    ax.barh(gain.index, gain.to_numpy())
    ax.set(xlabel="share of total gain", title="Feature importance (LightGBM gain)")
    return _save(fig, out, "virality_importance.png")


def plot_lead_time(frame: pd.DataFrame, out: Path) -> str | None:
    """How early a flag comes: days from a video's first chart appearance (when it is scored)
    to its last chart day, for persisting videos in the top 5 % of scores; None when there are none."""
    cut = frame["score"].quantile(0.95)
    hit = frame[(frame["score"] >= cut) & (frame["persists_2d"] == 1)]
    if hit.empty:
        return None
    days = (pd.to_datetime(hit["last_seen_date"]) - pd.to_datetime(hit["as_of_date"])).dt.days
    fig, ax = plt.subplots(figsize=(5.2, 4.0))
    ax.hist(days, bins=range(0, int(days.max()) + 2))
    ax.set(
        xlabel="days from the flag (first appearance) to the last chart day",
        ylabel="persisting videos in the top 5% of scores",
        title="Lead time",
    )
    return _save(fig, out, "virality_lead_time.png")


def build_report(wh: Warehouse, settings: Settings, out: Path | None = None) -> Path:
    """The HTML virality report. It evaluates the newest model with at least 50 labelled
    held-out examples and both classes (AUC and calibration need both) against the baselines on
    the same rows, and says so when no model is trained yet instead of failing."""
    out = Path(out or settings.project_dir / "reports" / "virality")
    out.mkdir(parents=True, exist_ok=True)
    models = _models(wh)
    parts = ["<h1>YouTube virality: persists_2d</h1>"]
    if models.empty or not wh.table_exists("ml", "predictions"):
        parts.append("<p>No model trained yet: run <code>trendcast train</code>.</p>")
        return _write(out, parts)
    evaluated = None
    for _, rec in models.iterrows():
        frame = wh.query_df(_LABELLED, [TASK, rec["model_version"]])
        if len(frame) >= 50 and frame["persists_2d"].nunique() == 2:
            evaluated = (rec, frame)
            break
    if evaluated is not None:
        rec, frame = evaluated
        frame["as_of_date"] = pd.to_datetime(frame["as_of_date"]).dt.date
        y = frame["persists_2d"].astype(int).to_numpy()
        x = build_matrix(frame)
        p = frame["score"].astype(float).to_numpy()
        scores = {"model": p, **{k: fn(x) for k, fn in BASELINES.items()}}
        rows = []
        for name, s in scores.items():
            m = binary_metrics(y, s, frame, probability=name == "model")
            rows.append((name, m))
        parts.append(
            f"<h2>Held-out performance</h2><p>model {html.escape(rec['model_version'])} "
            f"({rec['purpose']}), trained through {rec['train_end']}; {len(y)} labelled "
            f"first appearances from {min(frame['as_of_date'])} to {max(frame['as_of_date'])}, "
            f"base rate {y.mean():.3f}.</p>"
        )
        parts.append(_metrics_table(rows))
        imgs = [*plot_curves(y, scores, out), plot_calibration(y, p, out)]
        lead = plot_lead_time(frame, out)
        if lead:
            imgs.append(lead)
        model = PersistsModel.load(rec["artifact_path"], rec["artifact_sha256"])
        imgs.append(plot_importance(model, out))
        parts += [f'<img src="{i}" alt="{i}">' for i in imgs]
    else:
        parts.append(
            "<p>No labelled predictions yet (windows still open): run "
            "<code>trendcast evaluate</code> for held-out curves.</p>"
        )
    prod = models[models["purpose"] == "production"]
    top_version = prod.iloc[0]["model_version"] if not prod.empty else None
    if top_version is None and evaluated is not None:
        top_version = evaluated[0]["model_version"]
    if top_version is not None:
        top = wh.query_df(_TOP, [TASK, top_version, TASK, top_version])
        parts.append(
            f"<h2>Top predictions of the latest chart day (model {html.escape(top_version)})</h2>"
        )
        parts.append(top.to_html(index=False, escape=True, float_format=lambda f: f"{f:.3f}"))
    return _write(out, parts)


def _metrics_table(rows: list[tuple[str, dict[str, Any]]]) -> str:
    cols = [
        "roc_auc",
        "pr_auc",
        "brier",
        "precision_at_5_per_day",
        "precision_at_10_per_day",
        "precision_at_top_5pct",
    ]
    head = "".join(f"<th>{c}</th>" for c in ["scorer", *cols])
    body = "".join(
        "<tr><td>" + name + "</td>" + "".join(f"<td>{m.get(c, '')}</td>" for c in cols) + "</tr>"
        for name, m in rows
    )
    return f"<table border=1 cellpadding=4><tr>{head}</tr>{body}</table>"


def _write(out: Path, parts: list[str]) -> Path:
    page = out / "index.html"
    page.write_text(
        "<!doctype html><html><head><meta charset='utf-8'><title>trendcast virality</title>"
        "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto}"
        "img{max-width:48%;margin:4px}</style></head><body>" + "\n".join(parts) + "</body></html>"
    )
    (out / "report.json").write_text(json.dumps({"page": str(page)}))
    return page
