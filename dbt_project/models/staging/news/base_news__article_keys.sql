{#-
    The keys and change stamps of every raw article, quarantined batches and duplicate
    variants included: what the incremental news marts read to find the articles to
    rebuild (macro news_articles_to_rebuild). stg_news__articles cannot serve: it hides
    exactly the rows whose disappearance a mart must notice. A plain view over the raw
    table, so filters on changed_at, batch_id or (source_id, content_hash) reach the
    raw table's indexes.
-#}
with

source as (
    select * from {{ source('news', 'news_articles') }}
),

renamed as (
    select
        article_id,
        source_id,
        content_hash,
        _batch_id as batch_id,
        _changed_at as changed_at
    from source
)

select * from renamed
