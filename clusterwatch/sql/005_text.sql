-- Text analysis of news articles (scrapers/text, issue 4). Idempotent: safe on every start.
-- Written by scrapers.text.store (analyse_pending / store_analysis); read by dbt staging.
-- No foreign key to raw.news_articles: raw tables are loaded by different tasks, and the
-- analysis of an article that disappears is removed by analyse_pending's clean-up.

-- One row per analysed article. `content_hash` is the raw.news_articles.content_hash that
-- was analysed and `analyser_version` the code + data version: a row is stale (and
-- re-analysed) when either differs from the article or the running code.
create table if not exists raw.article_analysis (
    article_id text primary key,
    content_hash text not null,
    language_detected text check (language_detected in ('ar', 'fr', 'other')),
    is_mixed_language boolean not null,
    arabic_share real not null,
    is_cluster_related boolean not null,
    relevance_score double precision not null,
    matched_terms jsonb not null default '[]'::jsonb,  -- [{term, concept, language, weight, count, surface}]
    content_fingerprint text not null,                 -- sha256 of the normalised title + body
    story_id text,                                     -- st_<16 hex>; articles of one event share it
    analysed_at timestamptz not null,
    analyser_version text not null
);
create index if not exists article_analysis_story_idx on raw.article_analysis (story_id);
create index if not exists article_analysis_related_idx
    on raw.article_analysis (is_cluster_related);

-- One row per (article, entity): entity types clusters | sectors | wilayas | organisations
-- | people | numbers; `surface` is the first form met in the text, `mention_count` how
-- many times the entity is mentioned (named so, not `count`, to keep SQL keywords out of
-- column names). Numbers carry their value and unit.
create table if not exists raw.article_mentions (
    article_id text not null
        references raw.article_analysis (article_id) on delete cascade,
    entity_type text not null check (
        entity_type in ('clusters', 'sectors', 'wilayas', 'organisations', 'people', 'numbers')
    ),
    entity_id text not null,
    entity_name text not null,
    surface text not null,
    mention_count integer not null check (mention_count > 0),
    number_value numeric,
    number_unit text,
    primary key (article_id, entity_type, entity_id)
);
create index if not exists article_mentions_entity_idx
    on raw.article_mentions (entity_type, entity_id);
