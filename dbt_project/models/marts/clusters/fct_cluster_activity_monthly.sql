with

fct_article_mentions as (
    select
        article_id,
        source_id,
        language,
        published_month,
        story_id,
        entity_id
    from {{ ref('fct_article_mentions') }}
    where entity_type = 'clusters'
),

dim_sources as (
    select
        source_id,
        kind
    from {{ ref('dim_sources') }}
),

-- An article without a publication date belongs to no month (it still counts in
-- dim_clusters.article_count).
dated_cluster_mentions as (
    select
        fct_article_mentions.*,
        coalesce(dim_sources.kind = 'official', false) as is_official_act
    from fct_article_mentions
    left join dim_sources
        on fct_article_mentions.source_id = dim_sources.source_id
    where fct_article_mentions.published_month is not null
),

activity_per_cluster_month as (
    select
        {{ surrogate_key(['entity_id', 'published_month']) }} as cluster_month_id,
        entity_id as cluster_id,
        published_month as activity_month,
        count(distinct article_id)::integer as article_count,
        count(distinct source_id)::integer as source_count,
        (count(distinct article_id) filter (where language = 'ar'))::integer
            as arabic_article_count,
        (count(distinct article_id) filter (where language = 'fr'))::integer
            as french_article_count,
        (count(distinct article_id) filter (where is_official_act))::integer
            as official_act_count,
        -- An article grouped into no story is a story of its own.
        count(distinct coalesce(story_id, 'article:' || article_id))::integer
            as story_count
    from dated_cluster_mentions
    group by entity_id, published_month
)

select * from activity_per_cluster_month
