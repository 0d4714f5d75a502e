with

source as (
    select * from {{ source('news', 'news_articles') }} as news_articles
    -- rows of batches that failed an error-level expectation never reach the marts
    where {{ not_quarantined('news_articles', 'news_articles._batch_id') }}
),

renamed as not materialized (
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
-- (earlier versions are in raw.news_article_versions). A site can still serve the same page under two canonical URLs (with
-- and without a slug, a mobile path): same source, same content hash. Keep the
-- URL seen first, so that article_id stays stable when a later variant shows
-- up.
-- The rule is applied to the keys only, then joined back: sorting whole articles
-- (bodies) spilled to disk, and a mart that needs a few articles (the incremental
-- ones) can then read those through the raw key. `not materialized`: `renamed` is
-- read twice and must stay a view, not a copy of every article.
first_seen_per_content as (
    select distinct on (source_id, content_hash) article_id
    from renamed
    order by source_id, content_hash, first_seen_at, scraped_at, article_id
),

deduplicated as (
    select renamed.*
    from renamed
    inner join first_seen_per_content
        on renamed.article_id = first_seen_per_content.article_id
)

select * from deduplicated
