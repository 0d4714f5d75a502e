{{
    config(
        materialized='incremental',
        unique_key='article_id',
        on_schema_change='append_new_columns',
        indexes=[{'columns': ['article_id'], 'unique': true}],
        post_hook="{{ delete_rows_gone_upstream(ref('int_articles_measured'), 'article_id') }}",
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
-- Changed since the last run (with the lookback), or never built: see
-- macros/incremental.sql.
articles_to_build as (
    select int_articles_measured.*
    from int_articles_measured
    where {{ changed_since_last_run('upstream_changed_at') }}
        or int_articles_measured.article_id in (
            {{ keys_not_built_yet('int_articles_measured', 'article_id') }}
        )
)
{% else %}
articles_to_build as (
    select * from int_articles_measured
)
{% endif %}

select * from articles_to_build
