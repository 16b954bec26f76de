{#- Mastodon rules shared by the staging and intermediate models. -#}

{# The fields read from a Status entity (REST body, timeline element or streaming payload). #}
{% macro mastodon_status_fields() -%}
    {{ return({
        'id': 'text', 'created_at': 'text', 'edited_at': 'text', 'account': 'json',
        'language': 'text', 'visibility': 'text', 'uri': 'text', 'url': 'text',
        'content': 'text', 'spoiler_text': 'text', 'in_reply_to_id': 'text', 'reblog': 'json',
        'replies_count': 'text', 'reblogs_count': 'text', 'favourites_count': 'text',
        'tags': 'json', 'mentions': 'json',
    }) }}
{%- endmacro %}

{# An ISO time from a Mastodon server as UTC, NULL for the zero time 0001-01-01 that
   non-Mastodon servers send for "never edited" (seen in the real public timelines). #}
{% macro mastodon_time(expr) -%}
    case
        when {{ expr }} like '0001-01-01%' then null
        else {{ iso_to_timestamp(expr) }}
    end
{%- endmacro %}

{# Whether deleted posts lose their text everywhere (TRENDCAST_MASTODON_REDACT_DELETED=true). #}
{% macro mastodon_redact_deleted() -%}
    {{ return(env_var('TRENDCAST_MASTODON_REDACT_DELETED', 'false') | lower in ('true', '1', 'yes')) }}
{%- endmacro %}

{# The text column, or NULL when the post is deleted and redaction is on. #}
{% macro mastodon_redactable(column, is_deleted) -%}
    {%- if mastodon_redact_deleted() -%}
        case when {{ is_deleted }} then null else {{ column }} end
    {%- else -%}
        {{ column }}
    {%- endif -%}
{%- endmacro %}

{# The statuses deleted by streaming `delete` events in the given raw responses (payload is the
   status id as a string, or an object with an id). #}
{% macro mastodon_deleted_ids(responses) -%}
    select distinct
        coalesce({{ json_text('d.params', ['instance']) }}, 'unknown') as instance,
        coalesce(
            {{ json_text('d.raw_json', ['payload', 'id']) }},
            {{ json_scalar_text(json_value('d.raw_json', ['payload'])) }}
        ) as status_id
    from {{ responses }} as d
    where
        d.endpoint like 'api/v1/streaming%'
        and {{ json_text('d.raw_json', ['event']) }} = 'delete'
{%- endmacro %}

{# `trendcast replay mastodon --from T --to T` rebuilds the Mastodon models from the raw lines
   fetched in [from, to) (vars mastodon_replay_from / mastodon_replay_to); without them, from all. #}
{% macro mastodon_replay_window(fetched_at) -%}
    {%- set lo = var('mastodon_replay_from', none) -%}
    {%- set hi = var('mastodon_replay_to', none) -%}
    {%- if lo is none and hi is none -%}
        1 = 1
    {%- else -%}
        {%- if lo is not none %}{{ fetched_at }} >= cast('{{ lo }}' as {{ trendcast.type_timestamptz() }}){% endif -%}
        {%- if lo is not none and hi is not none %} and {% endif -%}
        {%- if hi is not none %}{{ fetched_at }} < cast('{{ hi }}' as {{ trendcast.type_timestamptz() }}){% endif -%}
    {%- endif -%}
{%- endmacro %}

{# Incremental staging that re-emits redacted rows: the stored rows of the statuses deleted in
   `responses` (raw responses holding the streaming `delete` events), appended to the candidates
   so a row stored before its delete arrived is replaced by a redacted one. Renders nothing on a
   full refresh or without redaction. #}
{% macro mastodon_stored_rows_of_deleted(columns, responses) -%}
    {%- if is_incremental() and mastodon_redact_deleted() %}
        -- stored observations of statuses deleted in the new batches, re-emitted redacted
        union all
        select
            t.{{ columns | join(',\n            t.') }}
        from {{ this }} as t
        inner join ({{ mastodon_deleted_ids(responses) }}) as gone
            on t.instance = gone.instance and t.status_id = gone.status_id
    {%- endif %}
{%- endmacro %}

{# The rows of `ranked` with observation_rank 1, as `columns`; with redaction on, content_html and
   spoiler_text are NULL for every status a streaming `delete` event (in any batch) removed. #}
{% macro mastodon_first_observations(ranked, columns) -%}
    {%- set redact = mastodon_redact_deleted() -%}
    select
        {%- for column in columns %}
            {%- if redact and column in ('content_html', 'spoiler_text') %}
                case when deleted.status_id is null then d.{{ column }} end as {{ column }}
            {%- else %}
                d.{{ column }}
            {%- endif %}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ ranked }} as d
    {%- if redact %}
        left join ({{ mastodon_deleted_ids(raw_api_responses('mastodon')) }}) as deleted
            on d.instance = deleted.instance and d.status_id = deleted.status_id
    {%- endif %}
    where d.observation_rank = 1
{%- endmacro %}
