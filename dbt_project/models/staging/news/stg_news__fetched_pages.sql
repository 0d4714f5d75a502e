with

source as (
    select * from {{ source('news', 'news_pages') }}
),

-- The compressed body (body_gzip) stays in raw: no model reads page bytes, and a
-- view that selected it would make every scan of it read them.
renamed as (
    select
        {{ surrogate_key(['source_id', 'page_url', 'body_sha256']) }} as fetched_page_id,
        source_id,
        page_url,
        body_sha256,
        final_url,
        http_status as http_status_code,
        content_type,
        body_bytes as body_byte_count,
        first_scrape_run_id,
        last_scrape_run_id,
        first_fetched_at,
        last_fetched_at
    from source
)

select * from renamed
