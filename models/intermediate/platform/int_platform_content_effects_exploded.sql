-- One row per effect of a video as an upload / content_update event states it (per delivery),
-- exploded from the effect ids stg_platform__events already parsed (the shape and incremental
-- contract are macros/sources/platform_content_lists.sql's).
{{ platform_content_list_exploded('effect_ids_json', 'effect_id', 'effect_index', 'content_effect_id') }}
