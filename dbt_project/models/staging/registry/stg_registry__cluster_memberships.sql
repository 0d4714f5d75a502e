with

source as (
    select * from {{ source('registry', 'registry_cluster_memberships') }}
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
