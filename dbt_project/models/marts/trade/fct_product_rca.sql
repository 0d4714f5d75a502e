{#-
    Balassa revealed comparative advantage against world totals, on BACI-style data
    (every exporter of the year is in the data, so "world" = all exporters present):
    RCA_cp = (X_cp / sum_p X_cp) / (sum_c X_cp / sum_cp X_cp). Country totals and
    world totals are taken over the same products and the same year. Only reporter-
    years whose exports come from BACI (int_product_exports_selected) are used:
    one country's own customs data has no world to compare with.
-#}
with

product_exports as (
    select * from {{ ref('int_product_exports_selected') }}
),

baci_exports as (
    select
        reporter_iso3 as country_iso3,
        hs_code,
        hs_chapter,
        trade_year,
        exports_usd
    from product_exports
    where data_source = 'baci'
),

exports_with_totals as (
    select
        baci_exports.*,
        sum(exports_usd) over (partition by country_iso3, trade_year)
            as country_total_exports_usd,
        sum(exports_usd) over (partition by hs_code, trade_year)
            as world_product_exports_usd,
        sum(exports_usd) over (partition by trade_year)
            as world_total_exports_usd
    from baci_exports
),

exports_with_rca as (
    select
        {{ surrogate_key(['country_iso3', 'hs_code', 'trade_year']) }}
            as country_product_year_id,
        country_iso3,
        hs_code,
        hs_chapter,
        trade_year,
        exports_usd,
        country_total_exports_usd,
        world_product_exports_usd,
        world_total_exports_usd,
        case
            when country_total_exports_usd > 0 and world_product_exports_usd > 0
                then round(
                    (exports_usd / country_total_exports_usd)
                    / (world_product_exports_usd / world_total_exports_usd),
                    6
                )
        end as rca
    from exports_with_totals
),

exports_rated as (
    select
        exports_with_rca.*,
        coalesce(rca >= 1, false) as is_competitive
    from exports_with_rca
)

select * from exports_rated
