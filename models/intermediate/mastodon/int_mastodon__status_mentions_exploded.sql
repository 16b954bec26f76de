-- One row per account mentioned in a Mastodon post (any observation), with its full handle.
with

statuses as (
    select * from {{ ref('stg_mastodon__statuses') }}
    where mentions_json is not null and mentions_json <> '[]'
),

documents as (
    select
        s.instance,
        s.status_id,
        {{ json_array_records(parse_json('s.mentions_json'), [], {'acct': 'text', 'username': 'text'}) }}
            as records
    from statuses as s
),

items as (
    select
        d.instance,
        d.status_id,
        {{ unnest_records('d.records', 'mention', 'mention_index') }}
    from documents as d
),

named as (
    select
        i.instance,
        i.status_id,
        {{ json_record_fields('i.mention', {'acct': 'text', 'username': 'text'}, 'm_') }}
    from items as i
),

final as (
    select distinct
        instance,
        status_id,
        lower(coalesce(m_acct, m_username)) as mentioned_acct
    from named
    where coalesce(m_acct, m_username) is not null
)

select * from final
