-- Articles per source and month (marts.fct_source_activity_monthly).
select
    source_id,
    published_month,
    sum(article_count)::int as article_count
from marts.fct_source_activity_monthly
group by source_id, published_month
order by published_month, source_id
