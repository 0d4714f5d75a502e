{{
    config(
        materialized='incremental',
        unique_key='article_id',
        on_schema_change='append_new_columns',
        indexes=[
            {'columns': ['article_id'], 'unique': true},
            {'columns': ['upstream_changed_at']},
        ],
        pre_hook="{{ delete_rows_to_rebuild('article_id', news_articles_to_rebuild(news_changed_since())) }}",
    )
}}
{#-
    Incremental (macros/incremental.sql): the pre-hook deletes the built rows of the
    articles touched since the last run (changed, deleted, quarantined or released,
    or a variant of their duplicate group); this select gives what staging has for
    them now. An article gone upstream is thus deleted and not inserted again.
-#}

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
articles_measured as (
    select int_articles_measured.*
    from int_articles_measured
    -- `= any(array(...))`, not `in (select ...)`: a filter on a value computed
    -- once, which PostgreSQL pushes down into the views to the raw key's index, so
    -- the word count and the duplicate rule are evaluated for these articles only.
    -- A semi-join is planned after the views and measured every article.
    where int_articles_measured.article_id = any(array(
        {{ news_articles_to_rebuild(news_changed_since()) }}
    ))
)
{% else %}
articles_measured as (
    select * from int_articles_measured
)
{% endif %}

select * from articles_measured
