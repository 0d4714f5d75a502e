with

int_articles_measured as (
    select
        source_id,
        language,
        published_at,
        published_month,
        body_word_count
    from {{ ref('int_articles_measured') }}
),

-- An article without a publication date belongs to no month; it stays
-- visible in fct_article_publications with a null published_at.
dated_articles as (
    select *
    from int_articles_measured
    where published_at is not null
),

activity_per_source_language_month as (
    select
        {{ surrogate_key(['source_id', 'language', 'published_month']) }}
            as source_language_month_id,
        source_id,
        language,
        published_month,
        count(*) as article_count,
        min(published_at) as first_published_at,
        max(published_at) as last_published_at,
        round(avg(body_word_count), 1)::numeric(12, 1)
            as average_body_word_count
    from dated_articles
    group by source_id, language, published_month
)

select * from activity_per_source_language_month
