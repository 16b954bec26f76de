"""ml.data_quality_checks: one row per run and check (missing fields, monotonic-counter
violations, outlier spikes, collection gaps per source, X posting-volume anomalies, feature values
outside their defined range, YouTube counts above views).

Expectations about data live here and in dbt tests with severity warn: a real value outside an
expected range is counted and visible in every run's report, and never stops the pipeline.

Every check writes a row whether it passes or not (passed, severity, observed value, threshold,
details as JSON), so a run's rows are a complete report. Severity: low | medium | high | critical.
Each row also says how many records the check looked at and how many failed it (records_checked,
failed_records, failure_rate = failed / checked; a day, an hour or a row depending on the check),
and resolved_at: NULL while a failure is open, set to the run_at of the first later run in which
the same check (name, source, subject) passes again, so a failure's lifetime is queryable.
X: days without any collection request come from raw.api_responses, days with anomalously few
posts from the X posts mart (forecasting.raw_tweets).
The checks over data as parsed (missing fields, the platform event contract, counts above views)
read their counts from the mart ops_marts.staging_quality_counts, where the rules are written in
SQL once (int_staging_rows_checked); Python reads marts only.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable

import numpy as np
import pandas as pd

from trendcast.warehouse import Warehouse

SCHEMA = "ml"
TABLE = "data_quality_checks"

# the counts of the checks over data as parsed (one row per check, source and subject)
COUNTS = ("ops_marts", "staging_quality_counts")
# the staging model each missing-fields source is counted over (named in the details)
MISSING_FIELD_RELATIONS = {
    "tiktok": "staging.stg_tiktok__videos",
    "youtube": "staging.stg_youtube__video_snapshots",
    "mastodon": "staging.stg_mastodon__statuses",
}


def _severity(value: float, low: float, medium: float, high: float, critical: float) -> str | None:
    """The severity band of a bad value (None when below `low`: the check passes)."""
    for level, bound in (("critical", critical), ("high", high), ("medium", medium), ("low", low)):
        if value >= bound:
            return level
    return None


def _row(check: str, source: str, value: float, threshold: float, severity: str | None,
         details: dict, subject: str = "", *, checked: int, failed: int) -> dict:  # fmt: skip
    return {
        "check_name": check,
        "source": source,
        "subject": subject,
        "observed_value": float(value),
        "threshold": float(threshold),
        "passed": severity is None,
        "severity": severity or "low",
        "records_checked": int(checked),
        "failed_records": int(failed),
        "failure_rate": failed / checked if checked else 0.0,
        "details": json.dumps(details, default=str, sort_keys=True),
    }


def _count(value: object) -> int:
    """A SQL count or sum as int; sum() over no rows is NULL (NaN in pandas), i.e. 0."""
    return 0 if value is None or pd.isna(value) else int(value)


def _counts(wh: Warehouse, check: str) -> list[tuple]:
    """(source, subject, applies_to, fails_when, checked, failed) of one check, in rule order."""
    if not wh.table_exists(*COUNTS):
        return []
    df = wh.query_df(
        "select source_name, subject, applies_to, fails_when, records_checked, failed_records "
        f"from {'.'.join(COUNTS)} where check_name = ?",
        [check],
    )
    return [
        (src, subject, applies, fails, _count(checked), _count(failed))
        for src, subject, applies, fails, checked, failed in df.itertuples(index=False)
    ]


def missing_fields(wh: Warehouse) -> Iterable[dict]:
    """Per source and required field: the share of parsed rows without it."""
    for source, f, _applies, _fails, total, missing in _counts(wh, "missing_fields"):
        share = missing / total if total else 0.0
        sev = _severity(share, 0.001, 0.05, 0.2, 0.5)
        yield _row("missing_fields", source, share, 0.001, sev,
                   {"relation": MISSING_FIELD_RELATIONS.get(source, source), "field": f,
                    "missing_rows": missing, "total_rows": total}, subject=f,
                   checked=total, failed=missing)  # fmt: skip


def counter_violations(wh: Warehouse) -> Iterable[dict]:
    """Share of re-observations in which a video's counter went down. Counters only grow, so a
    decrease is a source or parsing fault; the severity grows with the share, so one odd
    observation does not page anyone."""
    if not wh.table_exists("trends", "video_metric_snapshots"):
        return
    df = wh.query_df(
        "select platform, count(*) as observations, "
        "sum(case when has_counter_decrease then 1 else 0 end) as violations "
        "from trends.video_metric_snapshots where not is_first_observation group by 1"
    )
    for platform, observations, violations in df.itertuples(index=False):
        share = int(violations) / int(observations) if observations else 0.0
        sev = _severity(share, 1e-9, 0.01, 0.05, 0.2)
        yield _row("monotonic_counter_violations", platform, share, 0.0, sev,
                   {"violations": int(violations), "observations": int(observations)},
                   checked=int(observations), failed=int(violations))  # fmt: skip


def outlier_spikes(wh: Warehouse, factor: float = 20.0, min_reach: int = 1000) -> Iterable[dict]:
    """Hashtag hours whose reach exceeds `factor` x the hashtag's median active hour."""
    if not wh.table_exists("trends", "hashtag_metrics"):
        return
    df = wh.query_df(
        "select hashtag_id, platform, hashtag_name, as_of_at, reach_count "
        "from trends.hashtag_metrics where is_active_hour and reach_count > 0"
    )
    for platform, part in df.groupby("platform"):
        median = part.groupby("hashtag_id")["reach_count"].transform("median")
        spikes = part[(part["reach_count"] > factor * median) & (part["reach_count"] >= min_reach)]
        share = len(spikes) / len(part) if len(part) else 0.0
        sev = _severity(share, 1e-9, 0.001, 0.01, 0.05)
        top = spikes.nlargest(5, "reach_count")[["hashtag_name", "as_of_at", "reach_count"]]
        yield _row("outlier_spikes", platform, share, 0.0, sev,
                   {"spike_hours": len(spikes), "active_hours": len(part),
                    "factor": factor, "examples": top.to_dict("records")},
                   checked=len(part), failed=len(spikes))  # fmt: skip


def collection_gaps(wh: Warehouse) -> Iterable[dict]:
    """Per source: UTC days inside its collection period without any processed request."""
    if not wh.table_exists("raw", "api_responses"):
        return
    # distinct (source, UTC day) in SQL: one row per day instead of one per landed API call
    df = wh.query_df(
        "select distinct source, date_trunc('day', fetched_at) as day "
        "from raw.api_responses where processing_status = 'processed'"
    )
    if df.empty:
        return
    df["day"] = pd.to_datetime(df["day"], utc=True).dt.floor("D")
    for source, part in df.groupby("source"):
        days = part["day"].drop_duplicates().sort_values()
        span = pd.date_range(days.iloc[0], days.iloc[-1], freq="D")
        missing = span.difference(pd.DatetimeIndex(days))
        runs = _longest_run(missing)
        sev = None if len(missing) == 0 else ("critical" if runs >= 3 else "high" if runs == 2 else
                                              "medium")  # fmt: skip
        yield _row("collection_gap_days", source, len(missing), 0, sev,
                   {"days_in_period": len(span), "missing_days": [d.date() for d in missing][:50],
                    "longest_gap_days": runs},
                   checked=len(span), failed=len(missing))  # fmt: skip


def _longest_run(days: pd.DatetimeIndex) -> int:
    if len(days) == 0:
        return 0
    longest = current = 1
    for a, b in itertools.pairwise(days):
        current = current + 1 if (b - a) == pd.Timedelta(days=1) else 1
        longest = max(longest, current)
    return longest


def x_post_volume(wh: Warehouse, window: int = 28, low_ratio: float = 0.3) -> Iterable[dict]:
    """Days with anomalously few X posts: below low_ratio x the centred rolling median."""
    if not wh.table_exists("forecasting", "raw_tweets"):
        return
    df = wh.query_df("select account, created_at from forecasting.raw_tweets")
    if df.empty:
        return
    df["day"] = pd.to_datetime(df["created_at"], utc=True).dt.floor("D")
    for account, part in df.groupby("account"):
        counts = part.groupby("day").size()
        counts = counts.reindex(pd.date_range(counts.index.min(), counts.index.max(), freq="D"),
                                fill_value=0)  # fmt: skip
        median = counts.rolling(window, center=True, min_periods=7).median()
        ratio = counts / median.replace(0, np.nan)
        low = ratio[ratio < low_ratio].dropna()
        worst = float(low.min()) if len(low) else 1.0
        sev = None if low.empty else ("critical" if worst < 0.05 else "high" if worst < 0.15
                                      else "medium")  # fmt: skip
        yield _row("x_low_post_days", "x", len(low), 0, sev,
                   {"account": account, "days": len(counts), "low_ratio": low_ratio,
                    "examples": [{"day": d.date(), "posts": int(counts[d]),
                                  "rolling_median": float(median[d])}
                                 for d in low.nsmallest(10).index]},
                   subject=str(account), checked=len(counts), failed=len(low))  # fmt: skip


def feature_out_of_range(wh: Warehouse) -> Iterable[dict]:
    """Per feature with a defined range: rows of the whole feature mart outside it.

    The dbt test assert_feature_values_within_defined_ranges only warns (a real value never stops
    the build); this row makes the count part of every run's report. One scan per model.
    """
    if not wh.table_exists("seeds", "feature_definitions"):
        return
    definitions = wh.query_df(
        "select model_name, name, valid_min, valid_max from seeds.feature_definitions "
        "where valid_min is not null or valid_max is not null"
    )
    for model, defs in definitions.groupby("model_name"):
        if not wh.table_exists("trends", model):
            continue
        columns = set(wh.columns("trends", model))
        defs = defs[defs["name"].isin(columns)]
        if defs.empty:
            continue
        sums = []
        for i, d in enumerate(defs.itertuples(index=False)):
            bounds = []
            if pd.notna(d.valid_min):
                bounds.append(f"{d.name} < {float(d.valid_min)!r}")
            if pd.notna(d.valid_max):
                bounds.append(f"{d.name} > {float(d.valid_max)!r}")
            sums.append(f"sum(case when {' or '.join(bounds)} then 1 else 0 end) as c{i}")
            sums.append(f"count({d.name}) as n{i}")
        df = wh.query_df(f"select {', '.join(sums)} from trends.{model}")
        for i, d in enumerate(defs.itertuples(index=False)):
            outside, valued = _count(df.loc[0, f"c{i}"]), _count(df.loc[0, f"n{i}"])
            share = outside / valued if valued else 0.0
            sev = _severity(share, 1e-9, 0.001, 0.01, 0.05)
            yield _row("feature_out_of_range", "features", share, 0.0, sev,
                       {"model": model, "feature": d.name, "rows_out_of_range": outside,
                        "rows_with_value": valued,
                        "valid_min": None if pd.isna(d.valid_min) else float(d.valid_min),
                        "valid_max": None if pd.isna(d.valid_max) else float(d.valid_max)},
                       subject=f"{model}.{d.name}", checked=valued, failed=outside)  # fmt: skip


def youtube_counts_above_views(wh: Warehouse) -> Iterable[dict]:
    """Chart rows whose likes or comments exceed their views: real (views lag likes on fresh
    uploads), so counted and reported, never rejected. A sudden rise means a parsing change."""
    for _source, subject, _applies, _fails, total, above in _counts(wh, "counts_above_views"):
        share = above / total if total else 0.0
        sev = _severity(share, 0.01, 0.05, 0.2, 0.5)
        yield _row("counts_above_views", "youtube", share, 0.01, sev,
                   {"rows_above_views": above, "rows_with_views": total},
                   subject=subject, checked=total, failed=above)  # fmt: skip


def platform_stream(wh: Warehouse) -> Iterable[dict]:
    """The platform event stream against its contract: engagement events without the video or
    creator they act on, views without watch time or with an impossible one, server clocks before
    device clocks (skew beyond 5 minutes) and events later than the 6 h the simulator and the
    incremental lookbacks assume (the rules: int_staging_rows_checked)."""
    for _source, subject, applies, fails, checked, failed in _counts(wh, "platform_event_contract"):
        share = failed / checked if checked else 0.0
        sev = _severity(share, 0.001, 0.05, 0.2, 0.5)
        yield _row("platform_event_contract", "platform", share, 0.001, sev,
                   {"applies_to": applies, "fails_when": fails, "failed_events": failed,
                    "events_checked": checked},
                   subject=subject, checked=checked, failed=failed)  # fmt: skip


def mark_resolved(wh: Warehouse, run_id: str, run_at: pd.Timestamp) -> None:
    """Close earlier failures of every check that passes in this run (one set-based update)."""
    wh.execute(
        f"update {SCHEMA}.{TABLE} as t set resolved_at = ? "
        "where not t.passed and t.resolved_at is null and t.run_id <> ? and exists ("
        f"select 1 from {SCHEMA}.{TABLE} as c where c.run_id = ? and c.passed "
        "and c.check_name = t.check_name and c.source = t.source and c.subject = t.subject)",
        [run_at.to_pydatetime(), run_id, run_id],
    )


def run_checks(wh: Warehouse, run_id: str, run_at: pd.Timestamp) -> pd.DataFrame:
    """Run every check and store its rows under one run_id, then close the earlier failures that
    now pass: the table is an audit log of when each problem appeared and when it went away."""
    rows = []
    for check in (missing_fields, counter_violations, outlier_spikes, collection_gaps,
                  x_post_volume, feature_out_of_range, youtube_counts_above_views,
                  platform_stream):  # fmt: skip
        rows.extend(check(wh))
    result = pd.DataFrame(rows)
    if result.empty:
        return result
    result.insert(0, "run_id", run_id)
    result.insert(1, "run_at", run_at)
    # a typed empty column, so the table gets a timestamp column even before anything resolves
    result["resolved_at"] = pd.Series(pd.NaT, index=result.index, dtype="datetime64[us, UTC]")
    wh.write_df(result, SCHEMA, TABLE, key_columns=["run_id", "check_name", "source", "subject"])
    mark_resolved(wh, run_id, run_at)
    return result
