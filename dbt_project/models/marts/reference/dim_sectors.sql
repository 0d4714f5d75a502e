with

sectors as (
    select * from {{ ref('sectors') }}
),

sector_hs_chapters as (
    select * from {{ ref('sector_hs_chapters') }}
),

sector_activity_codes as (
    select * from {{ ref('sector_activity_codes') }}
),

chapters_per_sector as (
    select
        sector_id,
        string_agg(hs_chapter_id, '|' order by hs_chapter_id) as hs_chapters
    from sector_hs_chapters
    group by sector_id
),

activity_codes_per_sector as (
    select
        sector_id,
        string_agg(activity_code_id, '|' order by activity_code_id)
            as activity_code_prefixes
    from sector_activity_codes
    group by sector_id
),

sectors_described as (
    select
        sectors.sector_id,
        sectors.sector_name,
        sectors.sector_name_fr,
        sectors.sector_name_ar,
        sectors.parent_sector_id,
        coalesce(chapters_per_sector.hs_chapters, '') as hs_chapters,
        coalesce(activity_codes_per_sector.activity_code_prefixes, '')
            as activity_code_prefixes
    from sectors
    left join chapters_per_sector
        on sectors.sector_id = chapters_per_sector.sector_id
    left join activity_codes_per_sector
        on sectors.sector_id = activity_codes_per_sector.sector_id
)

select * from sectors_described
