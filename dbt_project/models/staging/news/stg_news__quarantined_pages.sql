with

source as (
    select * from {{ source('news_quarantine', 'news_pages') }}
),

renamed as (
    select
        {{ surrogate_key(['source_id', 'page_url', 'content_hash']) }}
            as quarantined_page_id,
        source_id,
        page_url,
        content_hash,
        reason as rejection_reason,
        detail as rejection_detail,
        http_status as http_status_code,
        first_scrape_run_id,
        last_scrape_run_id,
        times_seen,
        _quarantined_at as quarantined_at
    from source
)

select * from renamed
