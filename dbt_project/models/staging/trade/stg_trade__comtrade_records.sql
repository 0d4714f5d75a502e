with

source as (
    select * from {{ source('trade', 'trade_comtrade_records') }} as trade_comtrade_records
    -- rows of batches that failed an error-level expectation never reach the marts
    where {{ not_quarantined('trade_comtrade_records', 'trade_comtrade_records._batch_id') }}
),

renamed as (
    select
        {{ surrogate_key([
            'type_code', 'freq_code', 'period', 'reporter_iso', 'flow_code',
            'partner_iso', 'partner2_iso', 'classification_code', 'cmd_code',
            'customs_code', 'mos_code', 'mot_code'
        ]) }} as comtrade_record_id,
        type_code as trade_kind_code,
        freq_code as frequency_code,
        period as period_code,
        ref_year as reference_year,
        ref_month as reference_month,
        reporter_code as reporter_m49_code,
        reporter_iso as reporter_iso3,
        reporter_desc as reporter_description,
        flow_code,
        flow_desc as flow_description,
        partner_code as partner_m49_code,
        partner_iso as partner_iso3,
        partner_desc as partner_description,
        partner2_iso as second_partner_iso3,
        classification_code as hs_classification_code,
        cmd_code as commodity_code,
        cmd_desc as commodity_description,
        aggr_level as aggregation_level,
        is_leaf as is_leaf_code,
        customs_code as customs_procedure_code,
        mos_code as mode_of_supply_code,
        mot_code as mode_of_transport_code,
        qty_unit_abbr as quantity_unit,
        qty as quantity,
        is_qty_estimated as is_quantity_estimated,
        net_wgt as net_weight_kg,
        is_net_wgt_estimated as is_net_weight_estimated,
        gross_wgt as gross_weight_kg,
        cif_value as cif_value_usd,
        fob_value as fob_value_usd,
        primary_value as trade_value_usd,
        is_reported,
        is_aggregate,
        _batch_id as batch_id,
        _loaded_at as loaded_at
    from source
)

select * from renamed
