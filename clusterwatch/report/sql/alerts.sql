-- The most recent alerts and whether they reached every channel.
select
    alert_id,
    alert_kind,
    severity,
    subject,
    title,
    occurrence_count,
    last_seen_at,
    is_fully_delivered
from marts.fct_alerts
order by last_seen_at desc, alert_id
limit %(recent_alerts)s
