with

dim_sources as (
    select
        source_id,
        source_name,
        kind,
        is_demo
    from {{ ref('dim_sources') }}
),

stg_monitoring__source_health_checks as (
    select
        source_id,
        health_status,
        checked_at,
        last_run_at,
        last_succeeded_run_at,
        last_new_article_at,
        hours_silent,
        warn_after_hours,
        error_after_hours,
        last_run_error
    from {{ ref('stg_monitoring__source_health_checks') }}
),

stg_news__scrape_runs as (
    select
        source_id,
        run_status,
        pages_fetched,
        pages_rejected
    from {{ ref('stg_news__scrape_runs') }}
),

stg_monitoring__alerts as (
    select
        subject,
        occurrence_count
    from {{ ref('stg_monitoring__alerts') }}
    where alert_kind = 'source_freshness'
),

runs_per_source as (
    select
        source_id,
        count(*) as scrape_run_count,
        count(*) filter (where run_status = 'failed') as failed_scrape_run_count,
        sum(pages_fetched) as pages_fetched,
        sum(pages_rejected) as pages_rejected
    from stg_news__scrape_runs
    group by source_id
),

freshness_alerts_per_source as (
    select
        subject as source_id,
        count(*) as freshness_alert_count
    from stg_monitoring__alerts
    group by subject
),

sources_joined as (
    select
        dim_sources.source_id,
        dim_sources.source_name,
        dim_sources.kind,
        dim_sources.is_demo,
        coalesce(
            stg_monitoring__source_health_checks.health_status, 'unchecked'
        ) as health_status,
        stg_monitoring__source_health_checks.checked_at,
        stg_monitoring__source_health_checks.hours_silent,
        stg_monitoring__source_health_checks.warn_after_hours,
        stg_monitoring__source_health_checks.error_after_hours,
        stg_monitoring__source_health_checks.last_run_at,
        stg_monitoring__source_health_checks.last_succeeded_run_at,
        stg_monitoring__source_health_checks.last_new_article_at,
        stg_monitoring__source_health_checks.last_run_error,
        coalesce(runs_per_source.scrape_run_count, 0) as scrape_run_count,
        coalesce(runs_per_source.failed_scrape_run_count, 0)
            as failed_scrape_run_count,
        coalesce(runs_per_source.pages_fetched, 0) as pages_fetched,
        coalesce(runs_per_source.pages_rejected, 0) as pages_rejected,
        coalesce(freshness_alerts_per_source.freshness_alert_count, 0)
            as freshness_alert_count
    from dim_sources
    left join stg_monitoring__source_health_checks
        on dim_sources.source_id = stg_monitoring__source_health_checks.source_id
    left join runs_per_source
        on dim_sources.source_id = runs_per_source.source_id
    left join freshness_alerts_per_source
        on dim_sources.source_id = freshness_alerts_per_source.source_id
)

select * from sources_joined
