with

fct_article_mentions as (
    select
        article_id,
        source_id,
        published_date,
        story_id,
        is_cluster_related,
        entity_type,
        entity_id
    from {{ ref('fct_article_mentions') }}
),

dim_sources as (
    select
        source_id,
        kind
    from {{ ref('dim_sources') }}
),

-- Official acts: articles of sources of kind 'official' (JORADP, the Ministry of
-- Industry, AAPI; seeds/sources.csv).
mentions_joined_to_sources as (
    select
        fct_article_mentions.*,
        coalesce(dim_sources.kind = 'official', false) as is_official_act
    from fct_article_mentions
    left join dim_sources
        on fct_article_mentions.source_id = dim_sources.source_id
),

mentions_per_entity as (
    select
        {{ surrogate_key(['entity_type', 'entity_id']) }} as entity_summary_id,
        entity_type,
        entity_id,
        count(distinct article_id)::integer as article_count,
        (count(distinct article_id) filter (where is_cluster_related))::integer
            as cluster_related_article_count,
        count(distinct source_id)::integer as source_count,
        (count(distinct article_id) filter (where is_official_act))::integer
            as official_act_count,
        -- An article grouped into no story is a story of its own.
        count(distinct coalesce(story_id, 'article:' || article_id))::integer
            as story_count,
        min(published_date) as first_mentioned_date,
        max(published_date) as last_mentioned_date
    from mentions_joined_to_sources
    group by entity_type, entity_id
)

select * from mentions_per_entity
