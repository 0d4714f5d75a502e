{{
    config(
        materialized='incremental',
        unique_key='article_id',
        on_schema_change='append_new_columns',
        indexes=[
            {'columns': ['mention_id'], 'unique': true},
            {'columns': ['article_id']},
            {'columns': ['upstream_changed_at']},
        ],
        pre_hook="{{ delete_rows_to_rebuild('article_id', mention_articles_to_rebuild()) }}",
    )
}}
{#-
    unique_key is the article, not the mention: an article's mentions are replaced
    together. The pre-hook deletes the built mentions of every article touched since
    the last run (its text, batch, duplicate group, analysis or mentions: macro
    mention_articles_to_rebuild); this select inserts what upstream has for them now,
    so a mention the re-analysis no longer finds, or an article gone, stays gone.
-#}

with

stg_news__article_analyses as (
    select
        article_id,
        is_cluster_related,
        story_id,
        changed_at
    from {{ ref('stg_news__article_analyses') }}
),

fct_article_publications as (
    select
        article_id,
        source_id,
        language,
        published_date,
        published_month,
        upstream_changed_at
    from {{ ref('fct_article_publications') }}
),

{% if is_incremental() %}
articles_to_build as (
    {{ mention_articles_to_rebuild() }}
),
{% endif %}

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
    {% if is_incremental() %}
    -- Only these articles, read through the raw key's index: `= any(array(...))` is
    -- pushed down into the view, `in (select ...)` was not (the md5 mention keys of
    -- every mention were computed, then joined).
    where article_id = any(array(
        select articles_to_build.article_id from articles_to_build
    ))
    {% endif %}
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
        stg_news__article_mentions.number_unit,
        greatest(
            fct_article_publications.upstream_changed_at,
            stg_news__article_analyses.changed_at
        ) as upstream_changed_at
    from stg_news__article_mentions
    inner join fct_article_publications
        on stg_news__article_mentions.article_id = fct_article_publications.article_id
    inner join stg_news__article_analyses
        on stg_news__article_mentions.article_id = stg_news__article_analyses.article_id
)

select * from mentions_joined_to_articles
