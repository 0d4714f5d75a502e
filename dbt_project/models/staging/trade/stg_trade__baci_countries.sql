{#-
    Not filtered by not_quarantined, on purpose: the country-code file is reference
    data with no Great Expectations suite (ingest/formats/layouts.py: its layout runs
    none), so no decision on its batches exists in monitoring.batch_quality. A BACI
    flow whose country is missing stays out of fct_trade_flows anyway. Give the file
    a suite and this model the filter together (docs/data-quality.md).
-#}
with

source as (
    select * from {{ source('trade', 'trade_baci_countries') }}
),

renamed as (
    select
        country_code as baci_country_id,
        country_name,
        country_name_full,
        iso2 as iso2_code,
        iso3 as iso3_code,
        _batch_id as batch_id,
        _loaded_at as loaded_at
    from source
)

select * from renamed
