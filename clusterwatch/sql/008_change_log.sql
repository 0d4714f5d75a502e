-- What an incremental dbt run needs to find without reading the whole history
-- (docs/warehouse.md "Incremental strategy"). Idempotent: safe on every start.
--
-- 006 stamps `_changed_at` on inserted and updated news rows; a deleted row leaves no
-- stamp. Until now the incremental marts found deletions by comparing every built key
-- with every upstream key, a cost that grows with the history. Triggers record each
-- deletion here instead, with its time, so a run reads only the deletions since its
-- last build (index on deleted_at).
--
-- Also recorded: a news row whose content hash changed. It left its duplicate group
-- (source_id, content_hash; stg_news__articles keeps the variant seen first), so
-- another variant of that group may have to take its place: the old group is logged.
--
-- In `monitoring`, beside batch_quality, not in `raw`: it is the platform's
-- bookkeeping about raw rows (written by triggers, read by dbt macros), not data;
-- like the rest of `monitoring` it is not part of the warehouse fingerprint.
-- Rows are small (keys only) and few (deletions are rare; a re-analysis that rewrites
-- an article's mentions is covered by the analysis's own stamp and not logged).

create table if not exists monitoring.news_deletions (
    table_name text not null check (
        table_name in ('news_articles', 'article_analysis', 'article_mentions')
    ),
    article_id text not null,
    source_id text,          -- news_articles only: the duplicate group the row left
    content_hash text,
    deleted_at timestamptz not null default now()
);
create index if not exists news_deletions_deleted_idx on monitoring.news_deletions (deleted_at);

-- Statement-level triggers with transition tables: one insert per statement, so a bulk
-- delete costs one pass, not a trigger call per row.
create or replace function monitoring.log_news_article_deletions() returns trigger
language plpgsql as $$
begin
    insert into monitoring.news_deletions (table_name, article_id, source_id, content_hash)
    select 'news_articles', gone.article_id, gone.source_id, gone.content_hash
    from gone_rows as gone;
    return null;
end
$$;

-- An update that changes an article's key, source or content hash: its old duplicate
-- group is logged (the row itself has a new _changed_at stamp).
create or replace function monitoring.log_news_article_group_changes() returns trigger
language plpgsql as $$
begin
    insert into monitoring.news_deletions (table_name, article_id, source_id, content_hash)
    select 'news_articles', old_row.article_id, old_row.source_id, old_row.content_hash
    from gone_rows as old_row
    where not exists (
        select 1 from new_rows as new_row
        where new_row.article_id = old_row.article_id
            and new_row.source_id = old_row.source_id
            and new_row.content_hash = old_row.content_hash
    );
    return null;
end
$$;

create or replace function monitoring.log_article_analysis_deletions() returns trigger
language plpgsql as $$
begin
    insert into monitoring.news_deletions (table_name, article_id)
    select distinct 'article_analysis', gone.article_id from gone_rows as gone;
    return null;
end
$$;

-- The text analysis deletes and rewrites an article's mentions in the transaction that
-- upserts its analysis (scrapers/text/store.py), whose `_changed_at` then says the
-- article changed: only a deletion without such a stamp in this transaction is logged
-- (an operator removing mentions by hand, say).
create or replace function monitoring.log_article_mention_deletions() returns trigger
language plpgsql as $$
begin
    insert into monitoring.news_deletions (table_name, article_id)
    select distinct 'article_mentions', gone.article_id
    from gone_rows as gone
    where not exists (
        select 1 from raw.article_analysis as analysis
        where analysis.article_id = gone.article_id
            and analysis._changed_at = now()
    );
    return null;
end
$$;

drop trigger if exists news_articles_log_deletions on raw.news_articles;
create trigger news_articles_log_deletions
    after delete on raw.news_articles
    referencing old table as gone_rows
    for each statement execute function monitoring.log_news_article_deletions();

drop trigger if exists news_articles_log_group_changes on raw.news_articles;
create trigger news_articles_log_group_changes
    after update on raw.news_articles
    referencing old table as gone_rows new table as new_rows
    for each statement execute function monitoring.log_news_article_group_changes();

drop trigger if exists article_analysis_log_deletions on raw.article_analysis;
create trigger article_analysis_log_deletions
    after delete on raw.article_analysis
    referencing old table as gone_rows
    for each statement execute function monitoring.log_article_analysis_deletions();

drop trigger if exists article_mentions_log_deletions on raw.article_mentions;
create trigger article_mentions_log_deletions
    after delete on raw.article_mentions
    referencing old table as gone_rows
    for each statement execute function monitoring.log_article_mention_deletions();

-- The duplicate rule (stg_news__articles) looks up the other variants of an article's
-- (source, content hash) group: by index, for the few groups an incremental run touches.
create index if not exists news_articles_content_idx
    on raw.news_articles (source_id, content_hash);

-- The trade facts take the rows loaded since their last build: by index on each raw
-- table's own load time (fct_trade_flows, int_trade_flows_unioned.source_loaded_at).
-- BACI's is BRIN, like its _batch_id index (007): loads append (the load time grows with
-- the heap), and the parallel loader builds every parent index on each chunk before the
-- attach, where a btree would add a sort of every row to each load.
create index if not exists trade_baci_flows_loaded_idx on raw.trade_baci_flows using brin (_loaded_at);
create index if not exists trade_comtrade_records_loaded_idx
    on raw.trade_comtrade_records (_loaded_at);
