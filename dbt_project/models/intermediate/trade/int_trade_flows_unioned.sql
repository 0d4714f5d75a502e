{#-
    The three product-level trade layouts as one set of annual flows in USD and kg:
    - UN Comtrade: annual goods records (type C, frequency A) of flows X and M at an
      HS level (2, 4 or 6 digits), on Comtrade's totals of the other dimensions
      (second partner W00, customs C00, mode of supply 0, transport 0), so that no
      flow is counted twice. Re-exports / re-imports, monthly records and TOTAL lines
      are left out.
    - CEPII BACI: value in thousand USD (x 1000), quantity in tonnes (x 1000 = kg);
      each row is an export X from the exporter to the importer. BACI numeric
      country codes become ISO3 through the country file; a code the file lacks
      leaves the ISO3 null (a warning-level test says so, and the fact leaves the
      row out until the country file is loaded).
    - National customs format: reporter DZA; month 0 (the whole year) when given,
      else the sum of the months.
-#}
with

comtrade_records as (
    select * from {{ ref('stg_trade__comtrade_records') }}
),

baci_flows as (
    select * from {{ ref('stg_trade__baci_flows') }}
),

baci_countries as (
    select * from {{ ref('stg_trade__baci_countries') }}
),

national_flows as (
    select * from {{ ref('stg_trade__national_flows') }}
),

comtrade_annual_flows as (
    select
        'comtrade' as data_source,
        reporter_iso3,
        partner_iso3,
        flow_code,
        commodity_code as hs_code,
        hs_classification_code as hs_revision,
        reference_year as trade_year,
        trade_value_usd,
        net_weight_kg,
        loaded_at,
        loaded_at as source_loaded_at,
        reporter_iso3 as reporter_ref,
        partner_iso3 as partner_ref
    from comtrade_records
    where trade_kind_code = 'C'
        and frequency_code = 'A'
        and flow_code in ('X', 'M')
        and commodity_code ~ '^[0-9]{2}([0-9]{2}){0,2}$'
        and second_partner_iso3 = 'W00'
        and customs_procedure_code = 'C00'
        and mode_of_supply_code = '0'
        and mode_of_transport_code = 0
),

baci_export_flows as (
    select
        'baci' as data_source,
        exporters.iso3_code as reporter_iso3,
        importers.iso3_code as partner_iso3,
        'X' as flow_code,
        baci_flows.hs6_code as hs_code,
        baci_flows.hs_revision,
        baci_flows.trade_year,
        baci_flows.trade_value_thousand_usd * 1000 as trade_value_usd,
        baci_flows.quantity_tonnes * 1000 as net_weight_kg,
        -- A country file loaded after the flows must bring them back in (incremental).
        greatest(
            baci_flows.loaded_at, exporters.loaded_at, importers.loaded_at
        ) as loaded_at,
        -- The flow row's own load time: a filter on it reaches the raw table's index
        -- (fct_trade_flows), where one on loaded_at must join every row first.
        baci_flows.loaded_at as source_loaded_at,
        -- The key falls back on BACI's numeric code while the country file that names
        -- it is missing: two unknown exporters must not share one trade_flow_id.
        coalesce(
            exporters.iso3_code, 'baci:' || baci_flows.exporter_baci_code::text
        ) as reporter_ref,
        coalesce(
            importers.iso3_code, 'baci:' || baci_flows.importer_baci_code::text
        ) as partner_ref
    from baci_flows
    left join baci_countries as exporters
        on baci_flows.exporter_baci_code = exporters.baci_country_id
    left join baci_countries as importers
        on baci_flows.importer_baci_code = importers.baci_country_id
),

national_annual_flows as (
    select
        'national' as data_source,
        'DZA' as reporter_iso3,
        partner_iso3,
        flow_code,
        hs_code,
        'national' as hs_revision,
        trade_year,
        case
            when bool_or(trade_month = 0)
                then sum(value_usd) filter (where trade_month = 0)
            else sum(value_usd)
        end as trade_value_usd,
        case
            when bool_or(trade_month = 0)
                then sum(net_weight_kg) filter (where trade_month = 0)
            else sum(net_weight_kg)
        end as net_weight_kg,
        max(loaded_at) as loaded_at,
        max(loaded_at) as source_loaded_at,
        'DZA' as reporter_ref,
        partner_iso3 as partner_ref
    from national_flows
    group by trade_year, flow_code, partner_iso3, hs_code
),

flows_unioned as (
    select * from comtrade_annual_flows
    union all
    select * from baci_export_flows
    union all
    select * from national_annual_flows
),

flows_keyed as (
    select
        {{ surrogate_key([
            'data_source', 'hs_revision', 'trade_year', 'reporter_ref',
            'partner_ref', 'flow_code', 'hs_code'
        ]) }} as trade_flow_id,
        data_source,
        reporter_iso3,
        partner_iso3,
        flow_code,
        hs_code,
        left(hs_code, 2) as hs_chapter,
        hs_revision,
        trade_year,
        trade_value_usd,
        net_weight_kg,
        loaded_at,
        source_loaded_at
    from flows_unioned
)

select * from flows_keyed
