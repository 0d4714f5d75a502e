with

source as (
    select * from {{ source('news', 'scrape_runs') }}
),

renamed as (
    select
        {{ surrogate_key(['scrape_run_id', 'source_id']) }}
            as source_scrape_run_id,
        scrape_run_id,
        source_id,
        status as run_status,
        started_at,
        finished_at,
        {{ local_date('started_at') }} as run_date,
        pages_discovered,
        pages_fetched,
        articles_new,
        articles_updated,
        articles_unchanged,
        pages_rejected,
        pages_not_modified,
        pages_parsed,
        rejected_by_reason as rejected_by_reason_counts,
        duration_seconds,
        run_mode,
        run_range,
        error as error_message
    from source
)

select * from renamed
