{#-
    Versioned wilayas: a wilaya gets a new version when it is created and whenever a
    newer wilaya is carved out of its territory (48 wilayas from 1984, 58 from 2019,
    69 from 2025). Each version is valid from valid_from to valid_to (inclusive; null
    while in force), so a fact dated d joins the version with
    valid_from <= d and (valid_to is null or d <= valid_to).
-#}
with

wilayas as (
    select * from {{ ref('wilayas') }}
),

territory_changes as (
    select
        wilaya_id,
        valid_from as change_date
    from wilayas
    union
    select
        parent_wilaya_id as wilaya_id,
        valid_from as change_date
    from wilayas
    where parent_wilaya_id is not null
),

children_created as (
    select
        parent_wilaya_id as wilaya_id,
        valid_from as change_date,
        string_agg(wilaya_id, '|' order by wilaya_id) as ceded_to_wilaya_ids
    from wilayas
    where parent_wilaya_id is not null
    group by parent_wilaya_id, valid_from
),

versions as (
    select
        territory_changes.wilaya_id,
        territory_changes.change_date as valid_from,
        lead(territory_changes.change_date) over (
            partition by territory_changes.wilaya_id
            order by territory_changes.change_date
        ) - 1 as day_before_next_version
    from territory_changes
),

versions_named as (
    select
        versions.wilaya_id || ':' || versions.valid_from::text
            as wilaya_version_id,
        versions.wilaya_id,
        wilayas.name_fr as wilaya_name_fr,
        wilayas.name_ar as wilaya_name_ar,
        versions.valid_from,
        -- least() ignores nulls: a wilaya abolished (valid_to) ends its last version.
        least(versions.day_before_next_version, wilayas.valid_to) as valid_to,
        wilayas.parent_wilaya_id,
        coalesce(children_created.ceded_to_wilaya_ids, '')
            as ceded_to_wilaya_ids,
        wilayas.legal_basis,
        wilayas.is_verified
    from versions
    inner join wilayas
        on versions.wilaya_id = wilayas.wilaya_id
    left join children_created
        on versions.wilaya_id = children_created.wilaya_id
        and versions.valid_from = children_created.change_date
),

versions_counted as (
    select
        versions_named.*,
        (
            versions_named.valid_to is null
            or versions_named.valid_to >= current_date
        ) as is_current,
        (
            select count(*)::integer
            from wilayas as in_force
            where in_force.valid_from <= versions_named.valid_from
                and (
                    in_force.valid_to is null
                    or in_force.valid_to >= versions_named.valid_from
                )
        ) as wilayas_in_force_count
    from versions_named
),

wilaya_versions as (
    select
        wilaya_version_id,
        wilaya_id,
        wilaya_name_fr,
        wilaya_name_ar,
        valid_from,
        valid_to,
        is_current,
        parent_wilaya_id,
        ceded_to_wilaya_ids,
        wilayas_in_force_count,
        legal_basis,
        is_verified
    from versions_counted
)

select * from wilaya_versions
