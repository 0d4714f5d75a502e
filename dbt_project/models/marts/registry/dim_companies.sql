with

companies_located as (
    select * from {{ ref('int_companies_located') }}
),

dim_wilayas as (
    select * from {{ ref('dim_wilayas') }}
),

current_wilayas as (
    select
        wilaya_id,
        wilaya_name_fr,
        wilaya_name_ar
    from dim_wilayas
    where is_current
),

companies_named as (
    select
        companies_located.company_id,
        companies_located.company_name_fr,
        companies_located.company_name_ar,
        companies_located.legal_form,
        companies_located.nis,
        companies_located.nif,
        companies_located.rc_number,
        companies_located.wilaya_id,
        current_wilayas.wilaya_name_fr,
        current_wilayas.wilaya_name_ar,
        companies_located.wilaya_resolution,
        companies_located.has_wilaya_mismatch,
        companies_located.wilaya_code_given,
        companies_located.wilaya_name_given,
        companies_located.commune_name,
        companies_located.activity_code,
        companies_located.sector_id,
        companies_located.creation_date,
        companies_located.employee_count,
        companies_located.latitude,
        companies_located.longitude,
        companies_located.cluster_membership_count,
        companies_located.batch_id,
        companies_located.loaded_at
    from companies_located
    left join current_wilayas
        on companies_located.wilaya_id = current_wilayas.wilaya_id
)

select * from companies_named
