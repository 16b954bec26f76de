-- One row per X post sighted in a timeline response (stg_x__posts), as the forecasting marts read
-- it: raw_tweets keeps its incremental watermark logic, which needs the posts at this grain.
with

posts as (
    select * from {{ ref('stg_x__posts') }}
),

final as (
    select * from posts
)

select * from final
