with

source as (
    select * from {{ source('monitoring', 'source_health') }}
),

renamed as (
    select
        source_id,
        status as health_status,
        checked_at,
        first_monitored_at,
        last_run_at,
        last_succeeded_run_at,
        last_new_article_at,
        silent_since as silent_since_at,
        hours_silent,
        warn_after_hours,
        error_after_hours,
        last_run_error
    from source
)

select * from renamed
