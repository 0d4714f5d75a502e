-- Schemas and raw tables of the foundation. Idempotent: safe to apply on every start.
-- Layers: raw (as loaded) -> quarantine (rejected, with reasons) -> ingest (batch ledger)
-- -> monitoring (dq results, alerts) -> staging / intermediate / marts (dbt only).

create schema if not exists raw;
create schema if not exists quarantine;
create schema if not exists ingest;
create schema if not exists monitoring;
create schema if not exists staging;
create schema if not exists intermediate;
create schema if not exists marts;

-- One row per (scrape run, source): what a run saw, loaded and rejected.
-- pages_fetched = articles_new + articles_updated + articles_unchanged + pages_rejected.
create table if not exists raw.scrape_runs (
    scrape_run_id text not null,
    source_id text not null,
    started_at timestamptz not null,
    finished_at timestamptz,
    status text not null check (status in ('running', 'succeeded', 'failed')),
    pages_discovered integer not null default 0,
    pages_fetched integer not null default 0,
    articles_new integer not null default 0,
    articles_updated integer not null default 0,
    articles_unchanged integer not null default 0,
    pages_rejected integer not null default 0,
    error text,
    primary key (scrape_run_id, source_id)
);

-- One row per article (natural key: canonical URL). Stored text is as published
-- (plain text, NFKC-normalised); `_batch_id` is the scrape run that last inserted or
-- changed the row, so "the new batch" is `where _batch_id = <run>`.
create table if not exists raw.news_articles (
    article_id text primary key,                 -- md5(canonical_url)
    source_id text not null,
    canonical_url text not null unique,
    url text not null,
    language text,
    title text not null,
    lead text,
    body_text text not null,
    author_name text,
    section text,
    published_at timestamptz,
    published_at_source text,                    -- which cascade step gave the date
    content_hash text not null,                  -- sha256 of title + body
    extractor text not null,                     -- 'selectors' | 'generic'
    _batch_id text not null,
    _first_seen_at timestamptz not null default now(),
    _scraped_at timestamptz not null
);
create index if not exists news_articles_batch_idx on raw.news_articles (_batch_id);

-- Pages that could not become articles, with the reason. Keyed on the page and its
-- content, so a rerun over the same bad page counts it again without a new row.
create table if not exists quarantine.news_pages (
    source_id text not null,
    page_url text not null,
    content_hash text not null,
    reason text not null,
    detail text,
    http_status integer,
    first_scrape_run_id text not null,
    last_scrape_run_id text not null,
    times_seen integer not null default 1,
    _quarantined_at timestamptz not null default now(),
    primary key (source_id, page_url, content_hash)
);

-- Data-quality results (Great Expectations), one run per validated batch.
create table if not exists monitoring.dq_runs (
    dq_run_id text primary key,
    dataset text not null,
    batch_id text not null,
    suite_name text not null,
    started_at timestamptz not null,
    finished_at timestamptz not null,
    rows_checked integer not null,
    success boolean not null,
    error_failures integer not null,
    warning_failures integer not null,
    data_docs_url text
);
create index if not exists dq_runs_batch_idx on monitoring.dq_runs (dataset, batch_id);

create table if not exists monitoring.dq_results (
    dq_run_id text not null references monitoring.dq_runs (dq_run_id) on delete cascade,
    expectation_index integer not null,
    expectation_type text not null,
    column_name text,
    severity text not null check (severity in ('error', 'warning')),
    success boolean not null,
    observed_value jsonb,
    unexpected_count bigint,
    unexpected_sample jsonb,
    primary key (dq_run_id, expectation_index)
);

-- The BI role reads the marts and nothing else. NOLOGIN here: a deployment creates a
-- login user that inherits it (see docker/postgres/init.sh).
do $$
begin
    if not exists (select 1 from pg_roles where rolname = 'clusterwatch_analyst') then
        create role clusterwatch_analyst nologin;
    end if;
end
$$;
grant usage on schema marts to clusterwatch_analyst;
alter default privileges in schema marts grant select on tables to clusterwatch_analyst;
