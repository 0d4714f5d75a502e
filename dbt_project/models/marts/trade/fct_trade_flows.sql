{#-
    Incremental: BACI years run to millions of rows, and a new batch touches only its
    own flows. A run inserts the flows whose loaded_at is later than the newest one
    already in the table and replaces rows with the same trade_flow_id
    (delete+insert). Rows whose countries are not resolved yet (a BACI country file
    still to come) wait in int_trade_flows_unioned; the country file's loaded_at
    brings them in when it lands.
-#}
{{
    config(
        materialized='incremental',
        unique_key='trade_flow_id',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
        indexes=[
            {'columns': ['trade_flow_id'], 'unique': true},
            {'columns': ['loaded_at']},
        ],
    )
}}

with

trade_flows as (
    select * from {{ ref('int_trade_flows_unioned') }}
),

sector_hs_chapters as (
    select * from {{ ref('sector_hs_chapters') }}
),

flows_resolved as (
    select *
    from trade_flows
    where reporter_iso3 is not null
        and partner_iso3 is not null
    {% if is_incremental() %}
        and loaded_at > (
            select coalesce(max(loaded_at), '-infinity'::timestamptz)
            from {{ this }}
        )
    {% endif %}
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
        flows_resolved.loaded_at
    from flows_resolved
    left join sector_hs_chapters
        on flows_resolved.hs_chapter = sector_hs_chapters.hs_chapter_id
)

select * from flows_with_sectors
