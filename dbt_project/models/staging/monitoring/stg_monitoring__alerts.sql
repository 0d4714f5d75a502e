with

source as (
    select * from {{ source('monitoring', 'alerts') }}
),

renamed as (
    select
        alert_id,
        kind as alert_kind,
        severity,
        subject,
        batch_id,
        last_batch_id,
        title,
        occurrences as occurrence_count,
        first_seen_at,
        {{ local_date('first_seen_at') }} as first_seen_date,
        last_seen_at,
        window_ends_at,
        link
    from source
)

select * from renamed
