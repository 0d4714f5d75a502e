with

source as (
    select * from {{ source('news', 'fetch_state') }}
),

renamed as (
    select
        {{ surrogate_key(['source_id', 'url']) }} as fetch_state_id,
        source_id,
        url as page_url,
        etag,
        last_modified as last_modified_header,
        body_sha256,
        outcome as fetch_outcome,
        reason as rejection_reason,
        article_id,
        extractor_version,
        http_status as http_status_code,
        last_fetched_at,
        last_scrape_run_id
    from source
)

select * from renamed
