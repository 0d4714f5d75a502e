{#-
    Incremental: BACI years run to millions of rows, and a new batch touches only its
    own flows. A run inserts the flows whose loaded_at is later than the newest one
    already in the table and replaces rows with the same trade_flow_id
    (delete+insert). Rows whose countries are not resolved yet (a BACI country file
    still to come) wait in int_trade_flows_unioned; the country file's loaded_at
    brings them in when it lands.
    The new rows are found by each raw table's own load time (source_loaded_at, an
    index scan), not by loaded_at, which for BACI is computed after joining every
    flow with the country file: that read the whole history on every run.
    Quality decisions (macros/incremental.sql, trade_batches_to_rebuild): staging
    leaves out the rows of quarantined batches; a batch quarantined after it was
    built has its flows deleted by the pre-hook, a batch released or re-validated
    later is read again by its batch id, and the national flows are summed again when
    one of their batches was decided. So an incremental run gives the rows of a full
    refresh (tests/dbt/test_trade_quarantine.py).
-#}
-- depends_on: {{ ref('stg_trade__baci_countries') }}  (read in the incremental branch only)
{{
    config(
        materialized='incremental',
        unique_key='trade_flow_id',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
        indexes=[
            {'columns': ['trade_flow_id'], 'unique': true},
            {'columns': ['loaded_at']},
            {'columns': ['batch_ids'], 'type': 'gin'},
            {'columns': ['batch_decided_at']},
        ],
        pre_hook="{{ delete_rows_to_rebuild('trade_flow_id', trade_flows_to_rebuild()) }}",
    )
}}
{{- rebuild_if_built_without(['batch_ids', 'batch_decided_at']) }}

with

-- `not materialized`: read twice when incremental, and each read must push its own
-- filter down into the view (a materialized CTE is every flow).
trade_flows as not materialized (
    select * from {{ ref('int_trade_flows_unioned') }}
),

sector_hs_chapters as (
    select * from {{ ref('sector_hs_chapters') }}
),

{% if is_incremental() %}
{%- set newest_built = incremental_watermark('loaded_at') %}
{%- set decided = trade_batches_to_rebuild() %}
{%- set reread = decided | selectattr('needs_reread') | map(attribute='batch_id') | list %}
{%- set national_decided = decided | selectattr('dataset', 'equalto', 'trade_national_flows') | list %}
flows_to_build as (
    -- Rows loaded since the newest one built, by index on each raw table's _loaded_at.
    select *
    from trade_flows
    where source_loaded_at > {{ newest_built }}
    union all
    -- Older BACI flows whose country codes were loaded since (a country file that
    -- came late or changed). Rare, and then it reads every BACI flow; the condition
    -- on the country file alone does not depend on the row, so PostgreSQL checks it
    -- once and skips the whole branch when no country row is newer.
    select *
    from trade_flows
    where data_source = 'baci'
        and (
            select max(baci_countries.loaded_at)
            from {{ ref('stg_trade__baci_countries') }} as baci_countries
        ) > {{ newest_built }}
        and loaded_at > {{ newest_built }}
        and not source_loaded_at > {{ newest_built }}
{%- if reread %}
    union all
    -- Comtrade and BACI rows of batches released or re-validated since (by index on
    -- each raw table's _batch_id), minus those the two branches above take.
    select *
    from trade_flows
    where source_batch_id = any({{ text_array(reread) }})
        and not loaded_at > {{ newest_built }}
{%- endif %}
{%- if national_decided %}
    union all
    -- Every national flow when one of their batches was decided: a flow sums months
    -- of several files (the national table is small: Algeria's customs alone).
    select *
    from trade_flows
    where data_source = 'national'
        and not source_loaded_at > {{ newest_built }}
{%- endif %}
),
{% else %}
flows_to_build as (
    select * from trade_flows
),
{% endif %}

flows_resolved as (
    select *
    from flows_to_build
    where reporter_iso3 is not null
        and partner_iso3 is not null
),

flows_with_sectors as (
    select
        flows_resolved.trade_flow_id,
        flows_resolved.data_source,
        flows_resolved.reporter_iso3,
        flows_resolved.partner_iso3,
        flows_resolved.flow_code,
        flows_resolved.hs_code,
        flows_resolved.hs_chapter,
        flows_resolved.trade_year,
        flows_resolved.trade_value_usd,
        flows_resolved.net_weight_kg,
        flows_resolved.hs_revision,
        sector_hs_chapters.sector_id,
        flows_resolved.loaded_at,
        flows_resolved.batch_ids,
        flows_resolved.batch_decided_at
    from flows_resolved
    left join sector_hs_chapters
        on flows_resolved.hs_chapter = sector_hs_chapters.hs_chapter_id
)

select * from flows_with_sectors
{% if is_incremental() %}
-- In key order: the rows then reach the unique index on trade_flow_id (an md5, so
-- random) leaf page after leaf page. Inserting 100,000 rows into 10,000,000 alone:
-- 1.0-1.3 s sorted, 1.6 s not (index maintenance is most of an incremental run).
order by trade_flow_id
{% endif %}
