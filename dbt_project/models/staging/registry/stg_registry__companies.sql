with

source as (
    select * from {{ source('registry', 'registry_companies') }} as registry_companies
    -- rows of batches that failed an error-level expectation never reach the marts
    where {{ not_quarantined('registry_companies', 'registry_companies._batch_id') }}
),

renamed as (
    select
        company_key as company_id,
        nis,
        nif,
        rc_number,
        name_fr as company_name_fr,
        name_ar as company_name_ar,
        legal_form,
        wilaya_code,
        wilaya_name as wilaya_name_given,
        commune as commune_name,
        address,
        activity_code,
        sector as sector_name,
        creation_date,
        employees as employee_count,
        email as email_address,
        nullif(regexp_replace(phone, '[^0-9+]', '', 'g'), '') as phone_number,
        phone as phone_as_given,
        latitude,
        longitude,
        cluster_memberships,
        extra as extra_columns,
        _batch_id as batch_id,
        _line_number as source_line_number,
        _loaded_at as loaded_at
    from source
)

select * from renamed
