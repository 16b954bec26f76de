"""The trendcast dashboard (Streamlit): `trendcast dashboard` runs this script.

Read-only over the published warehouse (trendcast.dashboard.data). Filters live in the sidebar and
in the URL (?start=YYYY-MM-DD&end=YYYY-MM-DD&region=US&platform=youtube), so a view can be shared
and tested by its address.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from trendcast.dashboard import data

ALL = "All"


def _param_date(name: str, default: date | None) -> date | None:
    raw = st.query_params.get(name)
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return default


def sidebar_filters(r: data.Reader) -> data.Filters:
    """Date range, region/instance and platform; the URL's query parameters set the defaults."""
    lo, hi = data.date_extent(r)
    start = _param_date("start", lo)
    end = _param_date("end", hi)
    st.sidebar.header("Filters")
    if lo is not None and hi is not None:
        picked = st.sidebar.date_input("Date range", value=(start or lo, end or hi), key="dates")
        if isinstance(picked, tuple | list) and len(picked) == 2:
            start, end = picked
    region_choices = [ALL, *data.regions(r)]
    wanted_region = st.query_params.get("region", ALL)
    region = st.sidebar.selectbox(
        "Region or instance",
        region_choices,
        index=region_choices.index(wanted_region) if wanted_region in region_choices else 0,
        key="region",
    )
    platform_choices = [ALL, *data.PLATFORMS]
    wanted_platform = st.query_params.get("platform", ALL)
    platform = st.sidebar.selectbox(
        "Platform",
        platform_choices,
        index=platform_choices.index(wanted_platform) if wanted_platform in platform_choices else 0,
        key="platform",
    )
    # keep the address in step with the filters, so the view can be shared
    for name, value in (("region", region), ("platform", platform)):
        if value == ALL:
            st.query_params.pop(name, None)
        else:
            st.query_params[name] = value
    return data.Filters(
        start=start,
        end=end,
        region=None if region == ALL else region,
        platform=None if platform == ALL else platform,
    )


def show_table(frame: pd.DataFrame, empty: str) -> None:
    if frame.empty:
        st.info(empty)
    else:
        st.dataframe(frame, hide_index=True, width="stretch")


def page_trending_now() -> None:
    st.title("Trending now")
    with data.open_reader() as r:
        f = sidebar_filters(r)
        yt_count = data.youtube_scored_count(r, f)
        tt_count = data.tiktok_scored_count(r, f)
        youtube = data.youtube_predictions(r, f)
        tiktok = data.tiktok_predictions(r, f)
    c1, c2 = st.columns(2)
    c1.metric("YouTube chart entries scored", f"{yt_count:,}")
    c2.metric("TikTok hashtags and videos scored", f"{tt_count:,}")
    st.subheader("YouTube: most likely to stay in the chart (latest day per country)")
    st.caption(
        "p(persists 2d): calibrated probability that a new chart entry is still charting 2-3 "
        "days later; persists_2d is the outcome once known."
    )
    show_table(youtube, "No YouTube predictions for these filters yet (run `trendcast run`).")
    st.subheader("TikTok: hashtags and videos most likely to go viral")
    st.caption("Top 10 per task; top_feature_* are the features that moved the score most.")
    show_table(tiktok, "No TikTok predictions for these filters yet (run `trendcast run`).")


def page_forecasts() -> None:
    st.title("Forecasts")
    with data.open_reader() as r:
        f = sidebar_filters(r)
        accounts = data.forecast_accounts(r)
        if not accounts:
            st.info("No forecasts yet: run `trendcast run` or `trendcast forecast`.")
            return
        wanted = st.query_params.get("account", accounts[0])
        account = st.selectbox(
            "Account", accounts, index=accounts.index(wanted) if wanted in accounts else 0
        )
        granularity = st.radio("Buckets", ["hourly", "daily"], horizontal=True)
        buckets = data.forecast_buckets(r, f, account, granularity)
        accuracy = data.backtest_accuracy(r, f, account)
        history = data.recent_actuals(
            r, account, granularity, buckets["target_time"].min() if len(buckets) else None
        )
    c1, c2, c3 = st.columns(3)
    c1.metric("Forecast buckets", f"{len(buckets):,}")
    c2.metric(
        "Predicted posts (sum)", f"{buckets['predicted_count'].sum():,.0f}" if len(buckets) else "0"
    )
    known = buckets["actual_count"].notna().sum() if len(buckets) else 0
    c3.metric("Buckets with actuals", f"{known:,}")
    if len(buckets):
        st.subheader(f"@{account}: {granularity} forecast with 95% interval")
        st.caption("Shaded: 95% interval; line: point forecast; dots: observed posts.")
        _fan_chart(buckets, history)
    st.subheader("Backtest accuracy (rolling origin)")
    show_table(accuracy, "No backtests in this date range.")


def _fan_chart(buckets: pd.DataFrame, history: pd.DataFrame) -> None:
    import altair as alt

    frame = buckets.assign(target_time=pd.to_datetime(buckets["target_time"], utc=True))
    observed = pd.concat(
        [
            history.assign(target_time=pd.to_datetime(history["target_time"], utc=True)),
            frame[["target_time", "actual_count"]],
        ]
    ).dropna(subset=["actual_count"])
    base = alt.Chart(frame).encode(x=alt.X("target_time:T", title="UTC"))
    band = base.mark_area(opacity=0.25).encode(
        y=alt.Y("lower_bound_95:Q", title="posts"), y2="upper_bound_95:Q"
    )
    point = base.mark_line().encode(y="predicted_count:Q")
    actual = (
        alt.Chart(observed)
        .mark_circle(color="black", size=18)
        .encode(x="target_time:T", y="actual_count:Q")
    )
    st.altair_chart(band + point + actual, width="stretch")


def page_platform() -> None:
    st.title("Platform")
    with data.open_reader() as r:
        f = sidebar_filters(r)
        tables = {name: data.platform_table(r, name) for name in data.PLATFORM_MARTS}
        impressions = data.total_impressions(r)
        content = data.trending_content(r, f)
    c1, c2, c3 = st.columns(3)
    c1.metric("Creator tiers", f"{len(tables['Creator tiers']):,}")
    c2.metric("Discovery sources", f"{len(tables['Discovery sources']):,}")
    c3.metric("Impressions", f"{impressions:,}")
    for name, frame in tables.items():
        st.subheader(name)
        show_table(frame, f"{name}: not built yet (the simulated platform run builds it).")
    st.subheader("Trending content")
    show_table(content, "No trending content in this date range.")


def page_hashtags_and_domains() -> None:
    st.title("Hashtags and domains")
    with data.open_reader() as r:
        f = sidebar_filters(r)
        active = data.active_hashtags(r, f)
        activity = data.hashtag_activity(r, f)
        later = data.later_marts(r)
        previews = {
            title: [(s, t, data.preview(r, s, t)) for s, t in found]
            for title, found in later.items()
        }
    st.metric("Hashtags active", f"{active:,}")
    st.subheader("Most viewed hashtags")
    show_table(activity, "No hashtag metrics in this date range.")
    for title, found in previews.items():
        st.subheader(title)
        if not found:
            st.info(f"{title}: not built yet.")
        for schema, table, frame in found:
            st.caption(f"{schema}.{table}")
            show_table(frame, f"{schema}.{table} is empty.")


def page_data_health() -> None:
    st.title("Data health")
    with data.open_reader() as r:
        f = sidebar_filters(r)
        totals = data.status_totals(r, f)
        batches = data.batch_count(r)
        by_status = data.records_by_status(r, f)
        failed = data.failed_lines(r, f)
        fresh = data.freshness(r)
        checks = data.quality_checks(r)
        registry = data.model_registry(r)
    c = st.columns(4)
    c[0].metric("Batches", f"{batches:,}")
    c[1].metric("Processed", f"{totals.get('processed', 0):,}")
    c[2].metric("Failed", f"{totals.get('failed', 0):,}")
    c[3].metric("Duplicate", f"{totals.get('duplicate', 0):,}")
    st.subheader("Records by status")
    show_table(by_status, "Nothing landed yet.")
    st.subheader("Failed lines (with reasons)")
    if failed.empty:
        st.info("No failed lines.")
    else:
        st.table(failed)  # plain HTML: the reasons stay searchable and copyable
    st.subheader(f"Freshness (SLA {data.DEFAULT_SLA_HOURS:.0f} h behind the newest source)")
    show_table(fresh, "Nothing landed yet.")
    st.subheader("Data-quality checks (latest run)")
    show_table(checks, "No data-quality run yet.")
    st.subheader("Model registry")
    show_table(registry, "No model trained yet.")


PAGES = [
    st.Page(page_trending_now, title="Trending now", url_path="trending_now", default=True),
    st.Page(page_forecasts, title="Forecasts", url_path="forecasts"),
    st.Page(page_platform, title="Platform", url_path="platform"),
    st.Page(
        page_hashtags_and_domains, title="Hashtags and domains", url_path="hashtags_and_domains"
    ),
    st.Page(page_data_health, title="Data health", url_path="data_health"),
]


def main() -> None:
    st.set_page_config(page_title="trendcast", layout="wide")
    try:
        st.navigation(PAGES).run()
    except data.NotPublishedError as exc:
        st.error(str(exc))


main()
