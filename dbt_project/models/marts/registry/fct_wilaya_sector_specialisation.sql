{#-
    Location quotient of employment (U.S. Cluster Mapping method, DOMAIN.md §5):
    LQ = (e_rs / e_r) / (E_s / E), e = employees of registry companies with a known
    wilaya and sector, r = wilaya, s = sector. Only companies the registry classifies
    (activity code in seeds/sector_activity_codes.csv) count, also in the totals: the
    quotient compares like with like. A wilaya-sector cell is a strong cluster when
    LQ >= 1, LQ is in the top quartile of the sector's LQs across wilayas, and it has
    at least var('strong_cluster_min_employees') employees and
    var('strong_cluster_min_establishments') establishments.
-#}
with

companies_located as (
    select * from {{ ref('int_companies_located') }}
),

dim_wilayas as (
    select * from {{ ref('dim_wilayas') }}
),

dim_sectors as (
    select * from {{ ref('dim_sectors') }}
),

classified_companies as (
    select
        wilaya_id,
        sector_id,
        coalesce(employee_count, 0) as employee_count
    from companies_located
    where wilaya_id is not null
        and sector_id is not null
),

cells as (
    select
        wilaya_id,
        sector_id,
        count(*)::integer as establishment_count,
        sum(employee_count)::integer as employee_count
    from classified_companies
    group by wilaya_id, sector_id
),

cells_with_totals as (
    select
        cells.*,
        sum(cells.employee_count) over (partition by cells.wilaya_id)
            as wilaya_employee_count,
        sum(cells.employee_count) over (partition by cells.sector_id)
            as sector_employee_count,
        sum(cells.employee_count) over () as total_employee_count
    from cells
),

location_quotients as (
    select
        cells_with_totals.*,
        case
            when cells_with_totals.employee_count > 0
                then round(
                    (
                        cells_with_totals.employee_count::numeric
                        / cells_with_totals.wilaya_employee_count
                    ) / (
                        cells_with_totals.sector_employee_count::numeric
                        / cells_with_totals.total_employee_count
                    ),
                    4
                )
        end as location_quotient
    from cells_with_totals
),

sector_thresholds as (
    select
        sector_id,
        round(
            (percentile_cont(0.75) within group (
                order by location_quotient
            ))::numeric,
            4
        ) as sector_lq_top_quartile_threshold
    from location_quotients
    where location_quotient is not null
    group by sector_id
),

cells_rated as (
    select
        location_quotients.wilaya_id || ':' || location_quotients.sector_id
            as wilaya_sector_id,
        location_quotients.wilaya_id,
        dim_wilayas.wilaya_name_fr,
        dim_wilayas.wilaya_name_ar,
        location_quotients.sector_id,
        dim_sectors.sector_name_fr,
        dim_sectors.sector_name_ar,
        location_quotients.establishment_count,
        location_quotients.employee_count,
        location_quotients.location_quotient,
        coalesce(
            location_quotients.location_quotient >= 1
            and location_quotients.location_quotient
            >= sector_thresholds.sector_lq_top_quartile_threshold
            and location_quotients.employee_count
            >= {{ var('strong_cluster_min_employees') }}
            and location_quotients.establishment_count
            >= {{ var('strong_cluster_min_establishments') }},
            false
        ) as is_strong_cluster,
        sector_thresholds.sector_lq_top_quartile_threshold,
        location_quotients.wilaya_employee_count::integer
            as wilaya_employee_count,
        location_quotients.sector_employee_count::integer
            as sector_employee_count
    from location_quotients
    left join sector_thresholds
        on location_quotients.sector_id = sector_thresholds.sector_id
    left join dim_wilayas
        on location_quotients.wilaya_id = dim_wilayas.wilaya_id
        and dim_wilayas.is_current
    left join dim_sectors
        on location_quotients.sector_id = dim_sectors.sector_id
)

select * from cells_rated
