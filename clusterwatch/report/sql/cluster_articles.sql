-- The latest articles naming each cluster, titles as published (original language).
-- Text analysis writes entity types in the plural: 'clusters'.
with

cluster_mentions as (
    select distinct
        fct_article_mentions.article_id,
        fct_article_mentions.entity_id as cluster_id
    from marts.fct_article_mentions
    where fct_article_mentions.entity_type = 'clusters'
),

articles_ranked as (
    select
        cluster_mentions.cluster_id,
        fct_article_publications.article_id,
        fct_article_publications.source_id,
        fct_article_publications.language,
        fct_article_publications.published_date,
        fct_article_publications.title,
        fct_article_publications.canonical_url,
        row_number() over (
            partition by cluster_mentions.cluster_id
            order by fct_article_publications.published_at desc nulls last,
                fct_article_publications.article_id
        ) as recency_rank
    from cluster_mentions
    inner join marts.fct_article_publications
        on cluster_mentions.article_id = fct_article_publications.article_id
)

select
    cluster_id,
    article_id,
    source_id,
    language,
    published_date,
    title,
    canonical_url
from articles_ranked
where recency_rank <= %(articles_per_cluster)s
order by cluster_id, recency_rank
