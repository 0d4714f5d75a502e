-- Scraping (issue 3): article versions, raw pages kept compressed, conditional-GET state,
-- richer run counts. Idempotent and safe on a warehouse created by 001 alone: every
-- statement either creates what is missing or rewrites rows into the same final state.
--
-- Design (docs/scraping.md, "Storage and versions"):
-- * raw.news_articles holds the CURRENT version of each article, keyed by
--   (source_id, canonical_url); article_id = md5(source_id || '|' || canonical_url).
--   `version` counts content changes (1 = as first seen); `_batch_id` stays "the scrape
--   run that inserted or last changed the row", so a batch is `where _batch_id = <run>`.
-- * raw.news_article_versions keeps every version (the current one included), so a
--   change of text never loses the earlier text.
-- * raw.news_pages keeps the fetched bytes (gzip) with the fetch metadata, once per
--   (source, URL, body hash).
-- * raw.fetch_state remembers per (source, URL) the validators (ETag, Last-Modified),
--   the body hash and the outcome of the last fetch, so an unchanged page is neither
--   downloaded again (304) nor re-extracted (same hash): counted as "not modified".

-- -- raw.news_articles: kind, version, official document number; key (source, URL) -----
alter table raw.news_articles add column if not exists kind text not null default 'news';
alter table raw.news_articles add column if not exists version integer not null default 1;
alter table raw.news_articles add column if not exists document_number text;
alter table raw.news_articles add column if not exists page_sha256 text;

do $$
begin
    if not exists (
        select 1 from pg_constraint
        where conname = 'news_articles_kind_check'
          and conrelid = 'raw.news_articles'::regclass
    ) then
        alter table raw.news_articles
            add constraint news_articles_kind_check check (kind in ('news', 'official'));
    end if;
end
$$;

-- 001 made the canonical URL unique across sources; two sources may carry the same URL
-- (APS Arabic and French share aps.dz), so the key becomes (source_id, canonical_url).
alter table raw.news_articles drop constraint if exists news_articles_canonical_url_key;
create unique index if not exists news_articles_source_canonical_url_key
    on raw.news_articles (source_id, canonical_url);
create index if not exists news_articles_canonical_url_idx
    on raw.news_articles (canonical_url);

-- Rows written by 001's loader have article_id = md5(canonical_url): rewrite them to the
-- new key (a no-op once done).
update raw.news_articles
set article_id = md5(source_id || '|' || canonical_url)
where article_id <> md5(source_id || '|' || canonical_url);

-- -- every version of every article ----------------------------------------------------
create table if not exists raw.news_article_versions (
    article_id text not null,
    version integer not null,
    source_id text not null,
    canonical_url text not null,
    url text not null,
    kind text not null,
    language text,
    title text not null,
    lead text,
    body_text text not null,
    author_name text,
    section text,
    published_at timestamptz,
    published_at_source text,
    document_number text,
    content_hash text not null,
    extractor text not null,
    page_sha256 text,
    _batch_id text not null,
    _scraped_at timestamptz not null,
    primary key (article_id, version)
);
create index if not exists news_article_versions_batch_idx
    on raw.news_article_versions (_batch_id);

-- Articles loaded before this file have no version row yet: their current text is v1.
insert into raw.news_article_versions (
    article_id, version, source_id, canonical_url, url, kind, language, title, lead,
    body_text, author_name, section, published_at, published_at_source, document_number,
    content_hash, extractor, page_sha256, _batch_id, _scraped_at
)
select
    article_id, version, source_id, canonical_url, url, kind, language, title, lead,
    body_text, author_name, section, published_at, published_at_source, document_number,
    content_hash, extractor, page_sha256, _batch_id, _scraped_at
from raw.news_articles
on conflict (article_id, version) do nothing;

-- -- fetched bytes, compressed, with their fetch metadata ------------------------------
create table if not exists raw.news_pages (
    source_id text not null,
    page_url text not null,                      -- as requested
    body_sha256 text not null,                   -- of the decoded (uncompressed) body
    final_url text not null,                     -- after redirects
    http_status integer not null,
    content_type text,
    response_headers jsonb not null default '{}'::jsonb,
    redirects jsonb not null default '[]'::jsonb,
    body_bytes integer not null,
    body_gzip bytea not null,
    first_scrape_run_id text not null,
    last_scrape_run_id text not null,
    first_fetched_at timestamptz not null,
    last_fetched_at timestamptz not null,
    primary key (source_id, page_url, body_sha256)
);

-- -- conditional GET and "same bytes as last time" -------------------------------------
create table if not exists raw.fetch_state (
    source_id text not null,
    url text not null,
    etag text,
    last_modified text,
    body_sha256 text,
    outcome text not null check (outcome in ('article', 'rejected')),
    reason text,                                 -- the rejection reason, when rejected
    article_id text,                             -- the article, when one was stored
    extractor_version text not null,             -- a new extractor re-processes pages
    http_status integer,
    last_fetched_at timestamptz not null,
    last_scrape_run_id text not null,
    primary key (source_id, url)
);

-- -- run counts ------------------------------------------------------------------------
-- pages_fetched = articles_new + articles_updated + articles_unchanged + pages_rejected
-- still holds. pages_not_modified counts the unchanged pages (and re-seen rejected ones)
-- that were answered 304 or came back byte-identical, so nothing was re-extracted;
-- pages_parsed counts the pages that went through extraction.
alter table raw.scrape_runs add column if not exists pages_not_modified integer not null default 0;
alter table raw.scrape_runs add column if not exists pages_parsed integer not null default 0;
alter table raw.scrape_runs
    add column if not exists rejected_by_reason jsonb not null default '{}'::jsonb;
alter table raw.scrape_runs add column if not exists duration_seconds numeric(12, 3);
alter table raw.scrape_runs add column if not exists run_mode text not null default 'scheduled';
alter table raw.scrape_runs add column if not exists run_range jsonb;
