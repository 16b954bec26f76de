-- Validate one chunk of archive lines in one set-based statement (DuckDB).
--
-- Each line is parsed once: json_extract with a list of paths returns the top-level values as
-- JSON texts in one pass, and types are read from the first character of those texts
-- (tc_json_kind in validation_macros.sql). Placeholders, a colon before a name, are filled by
-- trendcast.landing.validate with SQL literals before the statement runs.
with lines as (
    select
        line_no,
        line,
        original_line,
        decode_error,
        case
            when decode_error is null
                then try(json_extract(line, [
                    '$.source', '$.endpoint', '$.params', '$.fetched_at', '$.response',
                    :split_path, '$.error'
                ]))
        end as parts
    from :lines_table
),

split as (
    select
        line_no,
        line,
        original_line,
        decode_error,
        parts is not null as is_json,
        left(ltrim(line, chr(32) || chr(9) || chr(10) || chr(13)), 1) as first_char,
        cast(parts[1] as varchar) as j_source,
        cast(parts[2] as varchar) as j_endpoint,
        cast(parts[3] as varchar) as j_params,
        cast(parts[4] as varchar) as j_fetched,
        parts[5] as response,
        parts[6] as split_json,
        cast(parts[7] as varchar) as j_error
    from lines
),

typed as (
    select
        *,
        case when is_json then tc_json_kind(first_char) end as top_type,
        tc_json_kind(j_source) as t_source,
        tc_json_kind(j_endpoint) as t_endpoint,
        tc_json_kind(j_params) as t_params,
        tc_json_kind(j_fetched) as t_fetched,
        tc_json_kind(cast(response as varchar)) as t_response
    from split
),

extracted as (
    select
        *,
        case when t_source = 'VARCHAR' then json_extract_string(j_source, '$') end as v_source,
        case
            when t_endpoint = 'VARCHAR' then json_extract_string(j_endpoint, '$')
        end as v_endpoint,
        case
            when t_fetched = 'VARCHAR'
                then try_cast(json_extract_string(j_fetched, '$') as timestamptz)
        end as v_fetched,
        case when t_params is null or t_params = 'NULL' then '{}' else j_params end as v_params
    from typed
),

checked as (
    select
        *,
        case
            when decode_error is not null then decode_error
            when trim(line) = '' then 'empty line'
            when not is_json then 'not valid JSON'
            when top_type != 'OBJECT'
                then
                    'line is a JSON ' || lower(top_type)
                    || ', expected an object with source, endpoint, params, fetched_at, response'
            -- an extractor writes a call whose body is not data (truncated, not JSON, an HTTP
            -- error) without a response, with the reason in `error` and the exact body beside it
            when t_response is null and tc_json_kind(j_error) = 'VARCHAR'
                then 'failed API call: ' || left(json_extract_string(j_error, '$'), 200)
            when
                t_source is null or t_endpoint is null or t_fetched is null or t_response is null
                then 'missing required key(s): ' || concat_ws(
                    ', ',
                    case when t_source is null then 'source' end,
                    case when t_endpoint is null then 'endpoint' end,
                    case when t_fetched is null then 'fetched_at' end,
                    case when t_response is null then 'response' end
                )
            when t_source != 'VARCHAR'
                then 'wrong type: source must be a string, got ' || tc_type_name(t_source)
            when t_endpoint != 'VARCHAR'
                then 'wrong type: endpoint must be a string, got ' || tc_type_name(t_endpoint)
            when t_params is not null and t_params not in ('OBJECT', 'NULL')
                then 'wrong type: params must be an object, got ' || tc_type_name(t_params)
            when t_fetched != 'VARCHAR'
                then
                    'wrong type: fetched_at must be an ISO-8601 string, got '
                    || tc_type_name(t_fetched)
            when t_response not in ('OBJECT', 'ARRAY', 'VARCHAR')
                then
                    'wrong type: response must be an object, array or text, got '
                    || tc_type_name(t_response)
            when v_source not in (:known_sources)
                then
                    'unknown source ''' || left(v_source, 40) || ''' (known: '
                    || :known_sources_text || ')'
            when trim(v_endpoint) = '' then 'empty endpoint'
            when v_fetched is null
                then
                    'fetched_at ''' || left(json_extract_string(j_fetched, '$'), 60)
                    || ''' is not an ISO-8601 timestamp'
            when
                v_fetched < cast(:earliest_fetch as timestamptz)
                or v_fetched > now() + interval 1 day
                then
                    'absurd fetched_at ' || strftime(v_fetched, '%Y-%m-%dT%H:%M:%SZ')
                    || ': outside 2005-01-01 .. now + 1 day'
        end as error_message
    from extracted
),

hashed as (
    select
        *,
        case when error_message is null then md5(cast(response as varchar)) end as response_md5,
        error_message is null
        and v_source = :split_source
        and starts_with(v_endpoint, :split_prefix)
        and t_response = 'OBJECT'
        and left(cast(split_json as varchar), 1) = '[' as is_split
    from checked
)

select
    line_no,
    v_source as source,  -- noqa: RF04
    v_endpoint as endpoint,
    case when error_message is null then v_params end as params,
    case when error_message is null then v_fetched end as fetched_at,
    case
        when is_split then json_merge_patch(response, :split_null_patch)
        when error_message is null then response
    end as raw_json,
    response_md5 as response_hash,
    case
        when error_message is null
            then md5(concat_ws(
                chr(31),
                v_source,
                v_endpoint,
                v_params,
                strftime(v_fetched, '%Y-%m-%dT%H:%M:%S.%fZ'),
                response_md5
            ))
    end as call_key,
    error_message,
    -- the exact line: for failed lines, and for lines whose parsed value differs from it
    -- (a NUL escape replaced, trendcast.landing.validate)
    case
        when error_message is not null or original_line is not null then coalesce(original_line, line)
    end as raw_line,
    case when is_split then json_extract(split_json, '$[*]') end as items
from hashed
