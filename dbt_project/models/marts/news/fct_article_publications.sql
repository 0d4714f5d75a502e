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
        body_word_count
    from {{ ref('int_articles_measured') }}
)

select * from int_articles_measured
