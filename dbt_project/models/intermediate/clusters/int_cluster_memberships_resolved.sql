with

stg_registry__cluster_memberships as (
    select
        company_cluster_id,
        company_id,
        cluster_name
    from {{ ref('stg_registry__cluster_memberships') }} as memberships
    -- Only memberships of companies in staging: a company whose row was last changed
    -- by a quarantined registry batch is out of stg_registry__companies until the
    -- batch is released, and so are its memberships (which keep the batch that first
    -- stated them, possibly an earlier one).
    where exists (
        select 1
        from {{ ref('stg_registry__companies') }} as companies
        where companies.company_id = memberships.company_id
    )
),

cluster_aliases as (
    select
        cluster_id,
        alias
    from {{ ref('cluster_aliases') }}
),

alias_keys as (
    select distinct
        cluster_id,
        {{ name_key('alias') }} as name_key
    from cluster_aliases
),

memberships_keyed as (
    select
        company_cluster_id,
        company_id,
        cluster_name,
        {{ name_key('cluster_name') }} as name_key
    from stg_registry__cluster_memberships
),

-- A name that is an alias of exactly one cluster resolves to it; no match or an
-- ambiguous one (an alias two clusters share) leaves cluster_id null, so such a
-- membership is visible here and counted for no cluster.
memberships_resolved as (
    select
        memberships_keyed.company_cluster_id,
        memberships_keyed.company_id,
        memberships_keyed.cluster_name as cluster_name_given,
        case
            when count(distinct alias_keys.cluster_id) = 1
                then min(alias_keys.cluster_id)
        end as cluster_id
    from memberships_keyed
    left join alias_keys
        on memberships_keyed.name_key = alias_keys.name_key
    group by
        memberships_keyed.company_cluster_id,
        memberships_keyed.company_id,
        memberships_keyed.cluster_name
)

select * from memberships_resolved
