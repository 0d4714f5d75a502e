-- Algeria's products with the highest revealed comparative advantage, latest year.
with

latest_year as (
    select max(fct_product_rca.trade_year) as trade_year
    from marts.fct_product_rca
    where fct_product_rca.country_iso3 = %(country_iso3)s
)

select
    fct_product_rca.hs_code,
    fct_product_rca.hs_chapter,
    fct_product_rca.trade_year,
    fct_product_rca.exports_usd,
    fct_product_rca.rca,
    fct_product_rca.is_competitive
from marts.fct_product_rca
inner join latest_year
    on fct_product_rca.trade_year = latest_year.trade_year
where fct_product_rca.country_iso3 = %(country_iso3)s
    and fct_product_rca.rca is not null
order by fct_product_rca.rca desc, fct_product_rca.hs_code
limit %(top_products)s
