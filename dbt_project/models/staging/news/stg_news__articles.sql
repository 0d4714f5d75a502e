with

source as (
    select * from {{ source('news', 'news_articles') }} as news_articles
    -- rows of batches that failed an error-level expectation never reach the marts
    where {{ not_quarantined('news_articles', 'news_articles._batch_id') }}
),

renamed as (
    select
        article_id,
        source_id,
        kind as source_kind,
        canonical_url,
        url as fetched_url,
        case
            when lower(trim(language)) like 'ar%' then 'ar'
            when lower(trim(language)) like 'fr%' then 'fr'
            else 'other'
        end as language,
        trim(title) as title,
        nullif(trim(lead), '') as lead,
        body_text,
        nullif(trim(author_name), '') as author_name,
        nullif(trim(section), '') as section_name,
        published_at,
        {{ local_date('published_at') }} as published_date,
        published_at_source as published_at_method,
        nullif(trim(document_number), '') as document_number,
        content_hash,
        extractor,
        version as version_number,
        _first_seen_at as first_seen_at,
        _scraped_at as scraped_at,
        _changed_at as changed_at,
        _batch_id as batch_id
    from source
),

-- raw.news_articles is keyed by (source, canonical URL), so one URL never
-- appears twice within a source; it holds the current version of each article
-- (earlier versions are in raw.news_article_versions). A site can still serve the
-- same page under two canonical URLs (with and without a slug, a mobile path): same
-- source, same content hash. Keep the URL seen first, so that article_id stays
-- stable when a later variant shows up.
-- Written as "no variant of the same (source, content hash) was seen before it",
-- not as a `distinct on` over every article: the rule is then evaluated per row,
-- through the index on (source_id, content_hash), so a mart that needs a few
-- articles (the incremental ones filter on article_id, which PostgreSQL pushes down
-- into this view) reads those and their variants, not the whole history. The order
-- (first seen, then scraped, then article_id) is total, so exactly one row per group
-- is kept, as `distinct on` did.
earlier_variants as (
    select
        news_articles.source_id,
        news_articles.content_hash,
        news_articles._first_seen_at as first_seen_at,
        news_articles._scraped_at as scraped_at,
        news_articles.article_id
    from {{ source('news', 'news_articles') }} as news_articles
    where {{ not_quarantined('news_articles', 'news_articles._batch_id') }}
),

deduplicated as (
    select renamed.*
    from renamed
    where not exists (
        select 1
        from earlier_variants
        where earlier_variants.source_id = renamed.source_id
            and earlier_variants.content_hash = renamed.content_hash
            and (earlier_variants.first_seen_at, earlier_variants.scraped_at, earlier_variants.article_id)
                < (renamed.first_seen_at, renamed.scraped_at, renamed.article_id)
    )
)

select * from deduplicated
