-- One row per cluster (marts.dim_clusters), most covered first.
select
    cluster_id,
    cluster_name,
    cluster_name_fr,
    cluster_name_ar,
    sector_id,
    sector_name_fr,
    sector_name_ar,
    wilaya_ids,
    wilaya_names_fr,
    status,
    created_on,
    member_count,
    article_count,
    source_count,
    official_act_count,
    first_mentioned_on,
    last_mentioned_on
from marts.dim_clusters
order by article_count desc, cluster_id
