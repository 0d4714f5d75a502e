with

stg_monitoring__alerts as (
    select
        alert_id,
        alert_kind,
        severity,
        subject,
        batch_id,
        last_batch_id,
        title,
        occurrence_count,
        first_seen_at,
        first_seen_date,
        last_seen_at,
        link
    from {{ ref('stg_monitoring__alerts') }}
),

stg_monitoring__alert_deliveries as (
    select
        alert_id,
        delivery_status,
        attempt_count,
        delivered_at
    from {{ ref('stg_monitoring__alert_deliveries') }}
),

deliveries_per_alert as (
    select
        alert_id,
        count(*) as channel_target_count,
        count(*) filter (
            where delivery_status = 'delivered'
        ) as delivered_target_count,
        count(*) filter (
            where delivery_status = 'pending'
        ) as pending_target_count,
        count(*) filter (
            where delivery_status = 'undeliverable'
        ) as undeliverable_target_count,
        sum(attempt_count) as delivery_attempt_count,
        min(delivered_at) as first_delivered_at
    from stg_monitoring__alert_deliveries
    group by alert_id
),

deliveries_joined as (
    select
        stg_monitoring__alerts.*,
        coalesce(deliveries_per_alert.channel_target_count, 0)
            as channel_target_count,
        coalesce(deliveries_per_alert.delivered_target_count, 0)
            as delivered_target_count,
        coalesce(deliveries_per_alert.pending_target_count, 0)
            as pending_target_count,
        coalesce(deliveries_per_alert.undeliverable_target_count, 0)
            as undeliverable_target_count,
        coalesce(deliveries_per_alert.delivery_attempt_count, 0)
            as delivery_attempt_count,
        deliveries_per_alert.first_delivered_at,
        round(
            extract(
                epoch from deliveries_per_alert.first_delivered_at
                - stg_monitoring__alerts.first_seen_at
            )::numeric,
            1
        )::numeric(12, 1) as seconds_to_first_delivery
    from stg_monitoring__alerts
    left join deliveries_per_alert
        on stg_monitoring__alerts.alert_id = deliveries_per_alert.alert_id
),

delivery_flag_added as (
    select
        *,
        channel_target_count > 0
        and delivered_target_count = channel_target_count as is_fully_delivered
    from deliveries_joined
)

select * from delivery_flag_added
