with

source as (
    select * from {{ source('news', 'article_mentions') }}
),

renamed as (
    select
        {{ surrogate_key(['article_id', 'entity_type', 'entity_id']) }} as mention_id,
        article_id,
        entity_type,
        entity_id,
        entity_name,
        surface as surface_form,
        mention_count,
        number_value,
        number_unit
    from source
)

select * from renamed
