-- Change tracking for the incremental marts (dbt_project, docs/warehouse.md "Incremental
-- strategy"). Idempotent: safe on every start.
--
-- The incremental news facts pick up rows whose upstream changed since their last run.
-- `_scraped_at` and `analysed_at` do not say that on their own: the text analysis
-- rewrites story_id of articles it does not re-analyse (scrapers/text/store.py), and a
-- loader may fix a row without a new fetch. A trigger stamps `_changed_at` on every
-- insert and every update, whoever the writer is, so no loader has to remember it.
-- A writer may set `_changed_at` itself (the benchmark back-dates generated history);
-- an update that leaves it untouched gets the transaction's time.

create or replace function raw.stamp_changed_at() returns trigger
language plpgsql as $$
begin
    if tg_op = 'INSERT' then
        new._changed_at := coalesce(new._changed_at, now());
    elsif new._changed_at is not distinct from old._changed_at then
        new._changed_at := now();
    end if;
    return new;
end
$$;

alter table raw.news_articles add column if not exists _changed_at timestamptz;
alter table raw.article_analysis add column if not exists _changed_at timestamptz;
-- Rows written before this file: their last known change.
update raw.news_articles set _changed_at = _scraped_at where _changed_at is null;
update raw.article_analysis set _changed_at = analysed_at where _changed_at is null;
alter table raw.news_articles alter column _changed_at set not null;
alter table raw.article_analysis alter column _changed_at set not null;

create index if not exists news_articles_changed_idx on raw.news_articles (_changed_at);
create index if not exists article_analysis_changed_idx on raw.article_analysis (_changed_at);

drop trigger if exists news_articles_stamp_changed_at on raw.news_articles;
create trigger news_articles_stamp_changed_at
    before insert or update on raw.news_articles
    for each row execute function raw.stamp_changed_at();

drop trigger if exists article_analysis_stamp_changed_at on raw.article_analysis;
create trigger article_analysis_stamp_changed_at
    before insert or update on raw.article_analysis
    for each row execute function raw.stamp_changed_at();
