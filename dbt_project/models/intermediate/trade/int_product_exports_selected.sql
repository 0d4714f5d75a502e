{#-
    One consistent set of exports per reporter, year and HS product, the input of the
    diversification and RCA marts. Each source is read once and never added to
    another (the same trade in two sources would count twice):
    1. exports (flow X) with a USD value and known countries;
    2. per source and year, only the newest HS revision loaded (hs_revision_year);
    3. per source, reporter and year, the bilateral rows, or the rows with partner
       World (W00 / WLD) when no bilateral row exists;
    4. products cut to 6 digits (national tariff lines of 8-10 digits roll up to
       HS6), and a code left out where the same partner also has a finer code
       under it (2709 and 270900 for Italy: 270900 only), so that a download
       mixing HS levels counts each flow once;
    5. per reporter and year, one source: BACI first (it carries the world totals
       the RCA needs), then UN Comtrade, then the national files.
-#}
with

trade_flows as (
    select * from {{ ref('int_trade_flows_unioned') }}
),

exports as (
    select
        data_source,
        reporter_iso3,
        partner_iso3,
        left(hs_code, 6) as hs_code,
        hs_revision,
        trade_year,
        trade_value_usd
    from trade_flows
    where flow_code = 'X'
        and trade_value_usd is not null
        and reporter_iso3 is not null
        and partner_iso3 is not null
),

exports_flagged as (
    select
        exports.*,
        {{ hs_revision_year('exports.hs_revision') }} = max(
            {{ hs_revision_year('exports.hs_revision') }}
        ) over (partition by exports.data_source, exports.trade_year)
            as is_newest_revision,
        partner_iso3 in ('W00', 'WLD') as is_world_partner,
        bool_or(partner_iso3 not in ('W00', 'WLD')) over (
            partition by data_source, reporter_iso3, trade_year
        ) as has_bilateral_rows,
        -- BACI is HS6 throughout: only the other sources can mix levels.
        exports.data_source = 'baci' or not exists (
            select 1
            from exports as finer
            where finer.data_source = exports.data_source
                and finer.reporter_iso3 = exports.reporter_iso3
                and finer.partner_iso3 = exports.partner_iso3
                and finer.trade_year = exports.trade_year
                and finer.hs_revision = exports.hs_revision
                and length(finer.hs_code) > length(exports.hs_code)
                and finer.hs_code like exports.hs_code || '%'
        ) as is_finest_level
    from exports
),

exports_kept as (
    select *
    from exports_flagged
    where is_newest_revision
        and is_finest_level
        and is_world_partner = not has_bilateral_rows
),

exports_per_product as (
    select
        data_source,
        reporter_iso3,
        trade_year,
        hs_code,
        sum(trade_value_usd) as exports_usd
    from exports_kept
    group by data_source, reporter_iso3, trade_year, hs_code
),

sources_ranked as (
    select
        exports_per_product.*,
        dense_rank() over (
            partition by reporter_iso3, trade_year
            order by case data_source
                when 'baci' then 1 when 'comtrade' then 2 else 3
            end
        ) as source_rank
    from exports_per_product
),

product_exports as (
    select
        {{ surrogate_key(['reporter_iso3', 'trade_year', 'hs_code']) }}
            as product_export_id,
        data_source,
        reporter_iso3,
        trade_year,
        hs_code,
        left(hs_code, 2) as hs_chapter,
        exports_usd
    from sources_ranked
    where source_rank = 1
)

select * from product_exports
