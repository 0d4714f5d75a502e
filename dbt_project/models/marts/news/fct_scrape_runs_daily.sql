with

stg_news__scrape_runs as (
    select
        source_id,
        run_date,
        run_status,
        pages_fetched,
        articles_new,
        articles_updated,
        pages_rejected
    from {{ ref('stg_news__scrape_runs') }}
),

runs_per_source_day as (
    select
        {{ surrogate_key(['source_id', 'run_date']) }} as source_run_date_id,
        source_id,
        run_date,
        count(*) as scrape_run_count,
        count(*) filter (
            where run_status = 'failed'
        ) as failed_scrape_run_count,
        sum(pages_fetched) as pages_fetched,
        sum(articles_new) as articles_new,
        sum(articles_updated) as articles_updated,
        sum(pages_rejected) as pages_rejected
    from stg_news__scrape_runs
    group by source_id, run_date
),

rejection_rate_added as (
    select
        *,
        -- Rejected pages are part of the fetched ones, so the rate is in
        -- 0..1; null on a day when nothing was fetched.
        round(
            pages_rejected::numeric / nullif(pages_fetched, 0), 4
        )::numeric(5, 4) as rejection_rate
    from runs_per_source_day
)

select * from rejection_rate_added
