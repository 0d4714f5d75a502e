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
