with

stg_news__articles as (
    select * from {{ ref('stg_news__articles') }}
),

articles_measured as (
    select
        article_id,
        source_id,
        language,
        published_at,
        published_date,
        date_trunc('month', published_date)::date as published_month,
        title,
        canonical_url,
        {{ word_count('body_text') }} as body_word_count,
        changed_at
    from stg_news__articles
)

select * from articles_measured
