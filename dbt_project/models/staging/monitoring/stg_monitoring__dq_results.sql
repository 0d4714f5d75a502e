with

source as (
    select * from {{ source('monitoring', 'dq_results') }}
),

renamed as (
    select
        {{ surrogate_key(['dq_run_id', 'expectation_index']) }} as dq_result_id,
        dq_run_id,
        expectation_index,
        expectation_type,
        column_name,
        severity,
        success as is_success,
        unexpected_count,
        unexpected_percent,
        recorded_at
    from source
)

select * from renamed
