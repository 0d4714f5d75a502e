{{
    config(
        materialized='incremental',
        unique_key='article_id',
        on_schema_change='append_new_columns',
        indexes=[
            {'columns': ['article_id'], 'unique': true},
            {'columns': ['upstream_changed_at']},
        ],
        post_hook="{{ delete_rows_gone_upstream(ref('stg_news__articles'), 'article_id') }}",
    )
}}

with

int_articles_measured as (
    select
        article_id,
        source_id,
        language,
        published_at,
        published_date,
        published_month,
        title,
        canonical_url,
        body_word_count,
        changed_at as upstream_changed_at
    from {{ ref('int_articles_measured') }}
),

{% if is_incremental() %}
-- Keys first, from the cheap staging view: the word count of int_articles_measured is
-- then computed for the articles to build only (macros/incremental.sql).
stg_news__articles as (
    select
        article_id,
        changed_at
    from {{ ref('stg_news__articles') }}
),

articles_to_build as (
    select article_id
    from stg_news__articles
    where {{ changed_since_last_run('changed_at') }}
    union
    {{ keys_not_built_yet('stg_news__articles', 'article_id') }}
),

articles_measured as (
    select int_articles_measured.*
    from int_articles_measured
    -- `= any(array(...))`, not `in (select ...)`: a filter on a value computed
    -- once, which PostgreSQL pushes down into the views to the raw key's index, so
    -- the word count is computed for these articles only. A semi-join is planned
    -- after the views and measured every article (1.8 s of 3.2 s at 100,000).
    where int_articles_measured.article_id = any(array(
        select articles_to_build.article_id from articles_to_build
    ))
)
{% else %}
articles_measured as (
    select * from int_articles_measured
)
{% endif %}

select * from articles_measured
