with

source as (
    select * from {{ source('news', 'article_analysis') }}
),

renamed as (
    select
        article_id,
        content_hash as analysed_content_hash,
        language_detected as detected_language,
        is_mixed_language,
        arabic_share,
        is_cluster_related,
        relevance_score,
        matched_terms,
        story_id,
        analysed_at,
        analyser_version,
        _changed_at as changed_at
    from source
)

select * from renamed
