with

organisations as (
    select
        organisation_id,
        organisation_name,
        organisation_name_fr,
        organisation_name_ar,
        organisation_name_en,
        organisation_kind
    from {{ ref('organisations') }}
),

int_entity_mentions_summarised as (
    select
        entity_id,
        article_count,
        cluster_related_article_count,
        source_count,
        official_act_count,
        first_mentioned_date,
        last_mentioned_date
    from {{ ref('int_entity_mentions_summarised') }}
    where entity_type = 'organisations'
),

organisations_profiled as (
    select
        organisations.organisation_id,
        organisations.organisation_name,
        nullif(organisations.organisation_name_fr, '') as organisation_name_fr,
        nullif(organisations.organisation_name_ar, '') as organisation_name_ar,
        nullif(organisations.organisation_name_en, '') as organisation_name_en,
        organisations.organisation_kind,
        coalesce(int_entity_mentions_summarised.article_count, 0) as article_count,
        coalesce(int_entity_mentions_summarised.cluster_related_article_count, 0)
            as cluster_related_article_count,
        coalesce(int_entity_mentions_summarised.source_count, 0) as source_count,
        coalesce(int_entity_mentions_summarised.official_act_count, 0)
            as official_act_count,
        int_entity_mentions_summarised.first_mentioned_date,
        int_entity_mentions_summarised.last_mentioned_date
    from organisations
    left join int_entity_mentions_summarised
        on organisations.organisation_id = int_entity_mentions_summarised.entity_id
)

select * from organisations_profiled
