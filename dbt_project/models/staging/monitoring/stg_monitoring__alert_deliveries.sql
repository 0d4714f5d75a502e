with

source as (
    select * from {{ source('monitoring', 'alert_outbox') }}
),

renamed as (
    select
        {{ surrogate_key(['alert_id', 'target_key']) }} as alert_delivery_id,
        alert_id,
        channel as channel_name,
        target_label,
        status as delivery_status,
        attempts as attempt_count,
        last_error,
        created_at as queued_at,
        last_attempt_at,
        delivered_at
    from source
)

select * from renamed
