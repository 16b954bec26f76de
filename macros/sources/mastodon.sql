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
        {%- if lo is not none %}{{ fetched_at }} >= cast('{{ lo }}' as timestamptz){% endif -%}
        {%- if lo is not none and hi is not none %} and {% endif -%}
        {%- if hi is not none %}{{ fetched_at }} < cast('{{ hi }}' as timestamptz){% endif -%}
    {%- endif -%}
{%- endmacro %}
