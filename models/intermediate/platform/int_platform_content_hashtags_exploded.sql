-- One row per hashtag of a video as an upload / content_update event states it (per delivery),
-- exploded from the hashtags stg_platform__events already parsed (the shape and incremental
-- contract are macros/sources/platform_content_lists.sql's). Names lower-cased without '#'.
{{ platform_content_list_exploded(
    'hashtags_json', 'hashtag', 'hashtag_index', 'content_hashtag_id',
    item_expression="lower(replace({}, '#', ''))",
) }}
