with

source as (
    select * from {{ source('trade', 'trade_baci_flows') }} as trade_baci_flows
    -- rows of batches that failed an error-level expectation never reach the marts
    where {{ not_quarantined('trade_baci_flows', 'trade_baci_flows._batch_id') }}
),

renamed as (
    select
        {{ surrogate_key([
            'hs_revision', 'year', 'exporter_code', 'importer_code', 'product_code'
        ]) }} as baci_flow_id,
        hs_revision,
        year as trade_year,
        exporter_code as exporter_baci_code,
        importer_code as importer_baci_code,
        product_code as hs6_code,
        value_kusd as trade_value_thousand_usd,
        quantity_tonnes,
        baci_release,
        _batch_id as batch_id,
        _loaded_at as loaded_at
    from source
)

select * from renamed
