-- Data quality: batch decisions (validated / quarantined), alerts with dedup and an
-- outbox per channel, and source freshness. Idempotent: applied on every start
-- (clusterwatch.db.bootstrap). Written by expectations/ (runner.py, alerts.py,
-- freshness.py); read by the monitoring marts in dbt and by `clusterwatch alerts`.

-- What a validation measured beyond the foundation's columns.
alter table monitoring.dq_runs add column if not exists batch_volume bigint;
alter table monitoring.dq_runs add column if not exists volume_note text;
alter table monitoring.dq_results add column if not exists expectation_kwargs jsonb;
alter table monitoring.dq_results add column if not exists element_count bigint;
alter table monitoring.dq_results add column if not exists unexpected_percent double precision;
-- A few offending rows (key columns and short values), for alerts and data docs.
alter table monitoring.dq_results add column if not exists unexpected_rows jsonb;
alter table monitoring.dq_results add column if not exists recorded_at timestamptz not null default now();
create index if not exists dq_runs_finished_idx on monitoring.dq_runs (dataset, finished_at desc);

-- The current decision on a batch: `validated` (no error-level failure),
-- `quarantined` (an error-level expectation failed: no asset event, and dbt's staging
-- models leave its rows out, see dbt_project/macros/quarantine.sql) or `released` (an
-- operator accepted a quarantined batch with `clusterwatch quarantine release`).
-- The latest validation of a batch decides; every run stays in monitoring.dq_runs.
create table if not exists monitoring.batch_quality (
    dataset text not null,
    batch_id text not null,
    status text not null check (status in ('validated', 'quarantined', 'released')),
    dq_run_id text not null,
    rows_checked integer not null,
    error_failures integer not null,
    warning_failures integer not null,
    decided_at timestamptz not null default now(),
    release_note text,
    primary key (dataset, batch_id)
);
create index if not exists batch_quality_status_idx on monitoring.batch_quality (dataset, status);

-- One row per alert. The same failure (dedup_key) raised again before window_ends_at
-- increments `occurrences` on the open alert instead of making a new one.
create table if not exists monitoring.alerts (
    alert_id text primary key,
    dedup_key text not null,
    kind text not null check (kind in ('data_quality', 'task_failure', 'dbt_test', 'source_freshness')),
    severity text not null check (severity in ('error', 'warning')),
    subject text not null,              -- dataset, DAG or source the alert is about
    batch_id text,                      -- first batch / run of the window
    last_batch_id text,                 -- latest batch / run of the window
    title text not null,
    details jsonb not null,             -- failures, observed vs expected, sample rows
    link text,                          -- data docs page or Airflow log
    occurrences integer not null default 1,
    first_seen_at timestamptz not null,
    last_seen_at timestamptz not null,
    window_ends_at timestamptz not null,
    channels text[] not null default '{}'   -- routed channels (email, webhook, slack)
);
create index if not exists alerts_dedup_idx on monitoring.alerts (dedup_key, window_ends_at desc);
create index if not exists alerts_seen_idx on monitoring.alerts (first_seen_at desc);

-- Every alert stays here per channel target until delivered. A failed attempt keeps the
-- row pending with its error and the time of the next attempt (capped exponential
-- back-off); nothing is dropped. `target_label` never holds a secret (webhook URLs are
-- credentials: only their host and a short hash are kept).
create table if not exists monitoring.alert_outbox (
    alert_id text not null references monitoring.alerts (alert_id) on delete cascade,
    target_key text not null,           -- email | webhook:<sha256[:12]> | slack:<sha256[:12]>
    channel text not null check (channel in ('email', 'webhook', 'slack')),
    target_label text not null,
    status text not null default 'pending'
        check (status in ('pending', 'delivered', 'undeliverable')),
    attempts integer not null default 0,
    last_error text,
    last_attempt_at timestamptz,
    next_attempt_at timestamptz not null default now(),
    delivered_at timestamptz,
    delivered_occurrences integer,
    created_at timestamptz not null default now(),
    primary key (alert_id, target_key)
);
create index if not exists alert_outbox_pending_idx
    on monitoring.alert_outbox (next_attempt_at) where status = 'pending';

-- How long each source may stay silent (no new article) before a warning / an error.
-- Filled from expectations/freshness.yaml by every `monitor_sources` run.
create table if not exists monitoring.source_freshness_targets (
    source_id text primary key,
    warn_after_hours numeric not null check (warn_after_hours > 0),
    error_after_hours numeric not null,
    updated_at timestamptz not null default now(),
    check (error_after_hours >= warn_after_hours)
);

-- The latest freshness check per source (monitor_sources DAG).
create table if not exists monitoring.source_health (
    source_id text primary key,
    status text not null check (status in ('fresh', 'warn', 'error')),
    checked_at timestamptz not null,
    first_monitored_at timestamptz not null,
    last_run_at timestamptz,
    last_succeeded_run_at timestamptz,
    last_new_article_at timestamptz,
    silent_since timestamptz not null,
    hours_silent numeric(10, 2) not null,
    warn_after_hours numeric not null,
    error_after_hours numeric not null,
    last_run_error text
);
