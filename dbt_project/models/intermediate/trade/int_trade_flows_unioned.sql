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
Staging has already left out the rows of quarantined batches (macro
not_quarantined). Each flow names the batches it is built from (batch_ids; a
national flow can sum months of several files; BACI's country file has no quality
decision and is not named) and the latest quality decision on them
(batch_decided_at): fct_trade_flows rebuilds the flows of batches decided since its
last run (quarantined, released, re-validated) with them.
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

-- The quality decision (monitoring.batch_quality) on each trade batch, by the
-- dataset name of its Great Expectations suite. Read directly, as macro
-- not_quarantined does: the platform's bookkeeping, there before dbt runs, while the
-- monitoring models are built by another DAG (monitor_sources), not before this one.
batch_decisions as (
    select
        dataset,
        batch_id,
        decided_at
    from monitoring.batch_quality
    where dataset in ('trade_comtrade_records', 'trade_baci_flows', 'trade_national_flows')
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
        comtrade_records.loaded_at,
        comtrade_records.loaded_at as source_loaded_at,
        comtrade_records.batch_id as source_batch_id,
        array[comtrade_records.batch_id] as batch_ids,
        batch_decisions.decided_at as batch_decided_at,
        reporter_iso3 as reporter_ref,
        partner_iso3 as partner_ref
    from comtrade_records
    left join batch_decisions
        on batch_decisions.dataset = 'trade_comtrade_records'
        and comtrade_records.batch_id = batch_decisions.batch_id
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
        baci_flows.batch_id as source_batch_id,
        array[baci_flows.batch_id] as batch_ids,
        batch_decisions.decided_at as batch_decided_at,
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
    left join batch_decisions
        on batch_decisions.dataset = 'trade_baci_flows'
        and baci_flows.batch_id = batch_decisions.batch_id
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
        max(national_flows.loaded_at) as loaded_at,
        max(national_flows.loaded_at) as source_loaded_at,
        -- several batches per flow: found through batch_ids
        null::text as source_batch_id,
        array_agg(distinct national_flows.batch_id order by national_flows.batch_id)
            as batch_ids,
        max(batch_decisions.decided_at) as batch_decided_at,
        'DZA' as reporter_ref,
        partner_iso3 as partner_ref
    from national_flows
    left join batch_decisions
        on batch_decisions.dataset = 'trade_national_flows'
        and national_flows.batch_id = batch_decisions.batch_id
    group by
        national_flows.trade_year,
        national_flows.flow_code,
        national_flows.partner_iso3,
        national_flows.hs_code
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
        source_loaded_at,
        source_batch_id,
        batch_ids,
        batch_decided_at
    from flows_unioned
)

select * from flows_keyed
