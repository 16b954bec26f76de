{#- Pairing each hashtag_metrics row with the hours of its trailing window (the creator diversity of
    the trailing 24 hours, the time-zone mix of the trailing 7 days), without pairing a long-lived
    hashtag's every row with its every hour before the range filter: rows carry their own
    `hours`-long bucket, the hours are listed under their own bucket and the next, and the join
    key is (hashtag_id, row_bucket) plus the range. Each hour then meets at most two buckets of
    rows. The bucket is a plain column on both sides, so the engine hashes on it (DuckDB kept
    only hashtag_id as the hash key when the arithmetic spanned both sides). -#}

{#- The hashtag_metrics rows a model of the trailing-window family (re)computes, with their
    bucket: every row on a full refresh; on an incremental run those from twice the lookback
    before the model's latest row (the feature mart reading it recomputes from one lookback
    before its own, so it always finds its rows recomputed here). -#}
{% macro trends_recomputed_metric_hours(hours) -%}
    select
        hashtag_id,
        as_of_at,
        hour_number,
        {{ trends_hour_bucket('hour_number', hours) }} as row_bucket
    from {{ ref('hashtag_metrics') }}
    where 1 = 1
    {%- if is_incremental() %}
        and as_of_at >= {{ core_incremental_cutoff('as_of_at', lookback_factor=2) }}
    {%- endif %}
{%- endmacro %}

{#- Every row of `relation` (with an hour_number) twice: under its own `hours`-long bucket and the
    next, as row_bucket: the buckets of the rows whose trailing `hours` hold it. -#}
{% macro trends_hours_under_row_buckets(relation, hours) -%}
    select
        h.*,
        {{ trends_hour_bucket('h.hour_number', hours) }} + o.bucket_offset as row_bucket
    from {{ relation }} as h
    cross join (
        select 0 as bucket_offset
        union all
        select 1 as bucket_offset
    ) as o
{%- endmacro %}
