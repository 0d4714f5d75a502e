{#-
    Each registry company with a wilaya checked against the wilaya reference and a
    sector from its activity code. The loader keeps codes as given and reports a code
    that disagrees with the wilaya name (ingest.findings, wilaya_mismatch); here the
    disagreement is settled, with the reason in wilaya_resolution:
    - code valid, and the name absent, unknown or the same wilaya: the code (as_given);
    - code and name disagree and the address ends with the name's wilaya: the name's
      wilaya (corrected_from_name; Blida given code 8, which is Béchar);
    - code and name disagree otherwise: the code (code_kept; 'Alger' with code 10 and
      an address ending in Bouira stays Bouira);
    - no valid code: the name's wilaya (from_name), else the address's
      (from_address), else none (unknown).
-#}
with

companies as (
    select * from {{ ref('stg_registry__companies') }}
),

wilayas as (
    select * from {{ ref('wilayas') }}
),

sector_activity_codes as (
    select * from {{ ref('sector_activity_codes') }}
),

wilaya_name_keys as (
    select distinct
        wilayas.wilaya_id,
        {{ name_key('spelling.wilaya_spelling') }} as wilaya_key
    from wilayas
    cross join lateral unnest(
        array[wilayas.name_fr, wilayas.name_ar]
        || string_to_array(coalesce(wilayas.name_variants, ''), '|')
    ) as spelling (wilaya_spelling)
    where nullif(trim(spelling.wilaya_spelling), '') is not null
),

companies_keyed as (
    select
        companies.*,
        {{ name_key('companies.wilaya_name_given') }} as wilaya_name_key,
        {{ name_key('companies.address') }} as address_key,
        nullif(regexp_replace(companies.activity_code, '[^0-9]', '', 'g'), '')
            as activity_digits
    from companies
),

wilaya_candidates as (
    select
        companies_keyed.company_id,
        (
            select wilayas.wilaya_id
            from wilayas
            where wilayas.wilaya_id = companies_keyed.wilaya_code
        ) as code_wilaya_id,
        (
            select min(wilaya_name_keys.wilaya_id)
            from wilaya_name_keys
            where wilaya_name_keys.wilaya_key = companies_keyed.wilaya_name_key
        ) as name_wilaya_id,
        (
            -- The longest wilaya name the address ends with ('... 09001 Blida').
            select wilaya_name_keys.wilaya_id
            from wilaya_name_keys
            where companies_keyed.address_key = wilaya_name_keys.wilaya_key
                or companies_keyed.address_key
                like '% ' || wilaya_name_keys.wilaya_key
            order by length(wilaya_name_keys.wilaya_key) desc, 1
            limit 1
        ) as address_wilaya_id,
        (
            select sector_activity_codes.sector_id
            from sector_activity_codes
            where companies_keyed.activity_digits
                like sector_activity_codes.activity_code_id || '%'
            order by length(sector_activity_codes.activity_code_id) desc
            limit 1
        ) as sector_id
    from companies_keyed
),

wilayas_resolved as (
    select
        company_id,
        sector_id,
        code_wilaya_id is not null and name_wilaya_id is not null
        and code_wilaya_id <> name_wilaya_id as has_wilaya_mismatch,
        case
            when code_wilaya_id is not null
                and (name_wilaya_id is null or name_wilaya_id = code_wilaya_id)
                then code_wilaya_id
            when code_wilaya_id is not null and address_wilaya_id = name_wilaya_id
                then name_wilaya_id
            when code_wilaya_id is not null then code_wilaya_id
            when name_wilaya_id is not null then name_wilaya_id
            else address_wilaya_id
        end as wilaya_id,
        case
            when code_wilaya_id is not null
                and (name_wilaya_id is null or name_wilaya_id = code_wilaya_id)
                then 'as_given'
            when code_wilaya_id is not null and address_wilaya_id = name_wilaya_id
                then 'corrected_from_name'
            when code_wilaya_id is not null then 'code_kept'
            when name_wilaya_id is not null then 'from_name'
            when address_wilaya_id is not null then 'from_address'
            else 'unknown'
        end as wilaya_resolution
    from wilaya_candidates
),

companies_located as (
    select
        companies.company_id,
        companies.company_name_fr,
        companies.company_name_ar,
        companies.legal_form,
        companies.nis,
        companies.nif,
        companies.rc_number,
        wilayas_resolved.wilaya_id,
        wilayas_resolved.wilaya_resolution,
        wilayas_resolved.has_wilaya_mismatch,
        companies.wilaya_code as wilaya_code_given,
        companies.wilaya_name_given,
        companies.commune_name,
        companies.activity_code,
        wilayas_resolved.sector_id,
        companies.creation_date,
        companies.employee_count,
        companies.latitude,
        companies.longitude,
        coalesce(cardinality(companies.cluster_memberships), 0)
            as cluster_membership_count,
        companies.batch_id,
        companies.loaded_at
    from companies
    inner join wilayas_resolved
        on companies.company_id = wilayas_resolved.company_id
)

select * from companies_located
