with

source as (
    select * from {{ source('news', 'news_article_versions') }} as news_article_versions
    -- rows of batches that failed an error-level expectation never reach the marts
    where {{ not_quarantined('news_articles', 'news_article_versions._batch_id') }}
),

renamed as (
    select
        {{ surrogate_key(['article_id', 'version']) }} as article_version_id,
        article_id,
        version as version_number,
        source_id,
        kind as source_kind,
        canonical_url,
        url as fetched_url,
        trim(title) as title,
        body_text,
        published_at,
        content_hash,
        extractor,
        page_sha256,
        _batch_id as batch_id,
        _scraped_at as scraped_at
    from source
)

select * from renamed
