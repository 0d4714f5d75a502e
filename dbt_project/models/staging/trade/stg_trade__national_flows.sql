with

source as (
    select * from {{ source('trade', 'trade_national_flows') }} as trade_national_flows
    -- rows of batches that failed an error-level expectation never reach the marts
    where {{ not_quarantined('trade_national_flows', 'trade_national_flows._batch_id') }}
),

renamed as (
    select
        {{ surrogate_key([
            'year', 'month', 'flow_code', 'partner_iso3', 'hs_code'
        ]) }} as national_flow_id,
        year as trade_year,
        month as trade_month,
        flow_code,
        partner_iso3,
        hs_code,
        value_dzd,
        value_usd,
        net_weight_kg,
        quantity,
        quantity_unit,
        _batch_id as batch_id,
        _loaded_at as loaded_at
    from source
)

select * from renamed
