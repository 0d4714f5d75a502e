with

source as (
    select * from {{ source('monitoring', 'dq_runs') }}
),

renamed as (
    select
        dq_run_id,
        dataset,
        batch_id,
        suite_name,
        started_at,
        finished_at,
        {{ local_date('finished_at') }} as validation_date,
        rows_checked,
        success as is_success,
        error_failures as error_failure_count,
        warning_failures as warning_failure_count,
        batch_volume,
        data_docs_url
    from source
)

select * from renamed
