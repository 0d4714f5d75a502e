with

source as (
    select * from {{ source('monitoring', 'batch_quality') }}
),

renamed as (
    select
        {{ surrogate_key(['dataset', 'batch_id']) }} as batch_decision_id,
        dataset,
        batch_id,
        status as decision_status,
        dq_run_id,
        rows_checked,
        error_failures as error_failure_count,
        warning_failures as warning_failure_count,
        decided_at,
        release_note
    from source
)

select * from renamed
