with

sources as (
    select
        source_id,
        source_name,
        country,
        kind,
        languages,
        is_demo
    from {{ ref('sources') }}
)

select * from sources
