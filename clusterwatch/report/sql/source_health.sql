-- Health of every monitored source (marts.dim_monitored_sources).
select
    source_id,
    source_name,
    kind,
    is_demo,
    health_status,
    checked_at,
    hours_silent,
    last_run_at,
    last_new_article_at,
    last_run_error,
    scrape_run_count,
    failed_scrape_run_count,
    pages_fetched,
    pages_rejected
from marts.dim_monitored_sources
order by is_demo, source_id
