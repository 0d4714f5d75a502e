with

stg_news__article_mentions as (
    select
        mention_id,
        article_id,
        entity_type,
        entity_id,
        entity_name,
        surface_form,
        mention_count,
        number_value,
        number_unit
    from {{ ref('stg_news__article_mentions') }}
),

stg_news__article_analyses as (
    select
        article_id,
        is_cluster_related,
        story_id
    from {{ ref('stg_news__article_analyses') }}
),

fct_article_publications as (
    select
        article_id,
        source_id,
        language,
        published_date,
        published_month
    from {{ ref('fct_article_publications') }}
),

mentions_joined_to_articles as (
    select
        stg_news__article_mentions.mention_id,
        stg_news__article_mentions.article_id,
        fct_article_publications.source_id,
        fct_article_publications.language,
        fct_article_publications.published_date,
        fct_article_publications.published_month,
        stg_news__article_analyses.story_id,
        stg_news__article_analyses.is_cluster_related,
        stg_news__article_mentions.entity_type,
        stg_news__article_mentions.entity_id,
        stg_news__article_mentions.entity_name,
        stg_news__article_mentions.surface_form,
        stg_news__article_mentions.mention_count,
        stg_news__article_mentions.number_value,
        stg_news__article_mentions.number_unit
    from stg_news__article_mentions
    inner join fct_article_publications
        on stg_news__article_mentions.article_id = fct_article_publications.article_id
    inner join stg_news__article_analyses
        on stg_news__article_mentions.article_id = stg_news__article_analyses.article_id
)

select * from mentions_joined_to_articles
