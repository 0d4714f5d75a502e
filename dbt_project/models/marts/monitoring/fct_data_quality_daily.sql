with

stg_monitoring__dq_runs as (
    select
        dq_run_id,
        dataset,
        batch_id,
        validation_date,
        rows_checked,
        is_success,
        error_failure_count,
        warning_failure_count
    from {{ ref('stg_monitoring__dq_runs') }}
),

stg_monitoring__batch_decisions as (
    select
        dataset,
        batch_id,
        decision_status
    from {{ ref('stg_monitoring__batch_decisions') }}
),

stg_monitoring__alerts as (
    select
        subject,
        first_seen_date
    from {{ ref('stg_monitoring__alerts') }}
    where alert_kind = 'data_quality'
),

runs_with_decisions as (
    select
        stg_monitoring__dq_runs.*,
        stg_monitoring__batch_decisions.decision_status
    from stg_monitoring__dq_runs
    left join stg_monitoring__batch_decisions
        on
            stg_monitoring__dq_runs.dataset
            = stg_monitoring__batch_decisions.dataset
            and stg_monitoring__dq_runs.batch_id
            = stg_monitoring__batch_decisions.batch_id
),

validations_per_dataset_day as (
    select
        dataset,
        validation_date,
        count(*) as validation_count,
        count(*) filter (where not is_success) as failed_validation_count,
        count(*) filter (
            where warning_failure_count > 0
        ) as validation_with_warnings_count,
        count(distinct batch_id) as batch_count,
        count(distinct batch_id) filter (
            where decision_status = 'quarantined'
        ) as quarantined_batch_count,
        sum(rows_checked) as rows_checked,
        sum(error_failure_count) as error_failure_count,
        sum(warning_failure_count) as warning_failure_count
    from runs_with_decisions
    group by dataset, validation_date
),

alerts_per_dataset_day as (
    select
        subject as dataset,
        first_seen_date as validation_date,
        count(*) as alert_count
    from stg_monitoring__alerts
    group by subject, first_seen_date
),

alerts_joined as (
    select
        {{ surrogate_key(['validations_per_dataset_day.dataset',
                          'validations_per_dataset_day.validation_date']) }}
            as dataset_validation_date_id,
        validations_per_dataset_day.*,
        coalesce(alerts_per_dataset_day.alert_count, 0) as alert_count
    from validations_per_dataset_day
    left join alerts_per_dataset_day
        on
            validations_per_dataset_day.dataset = alerts_per_dataset_day.dataset
            and validations_per_dataset_day.validation_date
            = alerts_per_dataset_day.validation_date
)

select * from alerts_joined
