-- Algeria's hydrocarbon share and export concentration by year.
select
    trade_year,
    total_exports_usd,
    hydrocarbon_exports_usd,
    hydrocarbon_share,
    hhi,
    hhi_normalised,
    product_count,
    products_with_rca_ge_1
from marts.fct_export_diversification
where reporter_iso3 = %(country_iso3)s
order by trade_year
