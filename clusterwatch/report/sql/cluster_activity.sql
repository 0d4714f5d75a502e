-- Coverage of each cluster per month (marts.fct_cluster_activity_monthly).
select
    cluster_id,
    activity_month,
    article_count,
    source_count,
    arabic_article_count,
    french_article_count,
    official_act_count,
    story_count
from marts.fct_cluster_activity_monthly
order by activity_month, cluster_id
