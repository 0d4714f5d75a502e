with

source as (
    select * from {{ source('trade', 'trade_country_aggregates') }} as trade_country_aggregates
    -- rows of batches that failed an error-level expectation never reach the marts
    where {{ not_quarantined('trade_country_aggregates', 'trade_country_aggregates._batch_id') }}
),

renamed as (
    select
        {{ surrogate_key(['country_iso3', 'year']) }} as country_year_id,
        country_iso3,
        year as statistics_year,
        gdp_usd,
        gdp_per_capita_usd,
        population as population_count,
        natural_resource_exports_usd,
        natural_resource_imports_usd,
        natural_resource_net_exports_usd,
        total_exports_usd,
        total_imports_usd,
        extra as extra_columns,
        _batch_id as batch_id,
        _loaded_at as loaded_at
    from source
)

select * from renamed
