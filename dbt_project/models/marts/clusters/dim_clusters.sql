with

clusters as (
    select
        cluster_id,
        cluster_name,
        cluster_name_fr,
        cluster_name_ar,
        sector_id,
        wilaya_ids,
        status,
        created_on
    from {{ ref('clusters') }}
),

sectors as (
    select
        sector_id,
        sector_name_fr,
        sector_name_ar
    from {{ ref('sectors') }}
),

wilayas as (
    select
        wilaya_id,
        name_fr
    from {{ ref('wilayas') }}
),

int_cluster_memberships_resolved as (
    select
        company_id,
        cluster_id
    from {{ ref('int_cluster_memberships_resolved') }}
),

int_entity_mentions_summarised as (
    select
        entity_id,
        article_count,
        source_count,
        official_act_count,
        first_mentioned_date,
        last_mentioned_date
    from {{ ref('int_entity_mentions_summarised') }}
    where entity_type = 'clusters'
),

cluster_wilayas as (
    select
        clusters.cluster_id,
        cluster_wilaya.wilaya_id
    from clusters
    cross join lateral
        unnest(string_to_array(nullif(clusters.wilaya_ids, ''), '|'))
            as cluster_wilaya (wilaya_id)
),

wilayas_per_cluster as (
    select
        cluster_wilayas.cluster_id,
        string_agg(
            cluster_wilayas.wilaya_id, '|' order by cluster_wilayas.wilaya_id
        ) as wilaya_ids,
        string_agg(
            coalesce(wilayas.name_fr, cluster_wilayas.wilaya_id), ', '
            order by cluster_wilayas.wilaya_id
        ) as wilaya_names_fr
    from cluster_wilayas
    left join wilayas
        on cluster_wilayas.wilaya_id = wilayas.wilaya_id
    group by cluster_wilayas.cluster_id
),

members_per_cluster as (
    select
        cluster_id,
        count(distinct company_id)::integer as member_count
    from int_cluster_memberships_resolved
    where cluster_id is not null
    group by cluster_id
),

clusters_profiled as (
    select
        clusters.cluster_id,
        clusters.cluster_name,
        clusters.cluster_name_fr,
        clusters.cluster_name_ar,
        clusters.sector_id,
        sectors.sector_name_fr,
        sectors.sector_name_ar,
        coalesce(wilayas_per_cluster.wilaya_ids, '') as wilaya_ids,
        coalesce(wilayas_per_cluster.wilaya_names_fr, '') as wilaya_names_fr,
        clusters.status,
        clusters.created_on,
        coalesce(members_per_cluster.member_count, 0) as member_count,
        coalesce(int_entity_mentions_summarised.article_count, 0) as article_count,
        coalesce(int_entity_mentions_summarised.source_count, 0) as source_count,
        coalesce(int_entity_mentions_summarised.official_act_count, 0)
            as official_act_count,
        int_entity_mentions_summarised.first_mentioned_date as first_mentioned_on,
        int_entity_mentions_summarised.last_mentioned_date as last_mentioned_on
    from clusters
    left join sectors
        on clusters.sector_id = sectors.sector_id
    left join wilayas_per_cluster
        on clusters.cluster_id = wilayas_per_cluster.cluster_id
    left join members_per_cluster
        on clusters.cluster_id = members_per_cluster.cluster_id
    left join int_entity_mentions_summarised
        on clusters.cluster_id = int_entity_mentions_summarised.entity_id
)

select * from clusters_profiled
