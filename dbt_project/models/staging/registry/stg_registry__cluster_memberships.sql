with

source as (
    select * from {{ source('registry', 'registry_cluster_memberships') }} as registry_cluster_memberships
    -- rows of batches that failed an error-level expectation never reach the marts
    -- (a registry file's memberships are checked by its companies' suite); a
    -- membership of a company hidden by a later quarantined batch is left out in
    -- int_cluster_memberships_resolved
    where {{ not_quarantined('registry_companies', 'registry_cluster_memberships._batch_id') }}
),

renamed as (
    select
        {{ surrogate_key(['company_key', 'cluster_name']) }}
            as company_cluster_id,
        company_key as company_id,
        cluster_name,
        _batch_id as batch_id,
        _loaded_at as loaded_at
    from source
)

select * from renamed
