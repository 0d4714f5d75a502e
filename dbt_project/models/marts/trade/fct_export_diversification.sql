{#-
    Per reporter and year, from one source (int_product_exports_selected):
    hydrocarbon_share = exports of HS chapter 27 / total exports;
    hhi = sum over products of s_p^2, s_p = the product's share of the reporter's
    exports; hhi_normalised = (hhi - 1/N) / (1 - 1/N) with N products (null when
    N = 1); products_with_rca_ge_1 from fct_product_rca (null when the year has no
    BACI data to compute RCA).
-#}
with

product_exports as (
    select * from {{ ref('int_product_exports_selected') }}
),

fct_product_rca as (
    select * from {{ ref('fct_product_rca') }}
),

exports_with_totals as (
    select
        product_exports.*,
        sum(exports_usd) over (partition by reporter_iso3, trade_year)
            as total_exports_usd
    from product_exports
    where exports_usd > 0
),

reporter_years as (
    select
        reporter_iso3,
        trade_year,
        min(data_source) as data_source,
        min(total_exports_usd) as total_exports_usd,
        coalesce(
            sum(exports_usd) filter (
                where hs_chapter in ({{ "'" ~ var('hydrocarbon_hs_chapters') | join("', '") ~ "'" }})
            ),
            0
        ) as hydrocarbon_exports_usd,
        sum(power(exports_usd / total_exports_usd, 2)) as hhi,
        count(*)::integer as product_count
    from exports_with_totals
    group by reporter_iso3, trade_year
),

rca_counts as (
    select
        country_iso3,
        trade_year,
        count(*) filter (where is_competitive)::integer as products_with_rca_ge_1
    from fct_product_rca
    group by country_iso3, trade_year
),

diversification as (
    select
        {{ surrogate_key(['reporter_years.reporter_iso3', 'reporter_years.trade_year']) }}
            as reporter_year_id,
        reporter_years.reporter_iso3,
        reporter_years.trade_year,
        reporter_years.total_exports_usd,
        reporter_years.hydrocarbon_exports_usd,
        round(
            reporter_years.hydrocarbon_exports_usd
            / reporter_years.total_exports_usd,
            6
        ) as hydrocarbon_share,
        round(reporter_years.hhi, 6) as hhi,
        case
            when reporter_years.product_count > 1
                then round(
                    (reporter_years.hhi - 1.0 / reporter_years.product_count)
                    / (1 - 1.0 / reporter_years.product_count),
                    6
                )
        end as hhi_normalised,
        reporter_years.product_count,
        rca_counts.products_with_rca_ge_1,
        reporter_years.data_source
    from reporter_years
    left join rca_counts
        on reporter_years.reporter_iso3 = rca_counts.country_iso3
        and reporter_years.trade_year = rca_counts.trade_year
)

select * from diversification
