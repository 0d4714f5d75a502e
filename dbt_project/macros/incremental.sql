{#-
    Helpers of the incremental marts (docs/warehouse.md, "Incremental strategy").

    Every incremental news mart carries `upstream_changed_at`: the latest `_changed_at`
    (clusterwatch/sql/006_change_tracking.sql, stamped by a trigger on every insert and
    update) of the raw rows it is built from. An incremental run rebuilds the articles
    touched since the newest `upstream_changed_at` already built, minus
    var('incremental_lookback_hours') for writers whose transaction committed after a
    later one (a long scrape or load). Touched means:
    - changed: a raw row stamped since (index on `_changed_at`);
    - deleted, or moved out of its duplicate group, since: monitoring.news_deletions,
      filled by triggers (clusterwatch/sql/008_change_log.sql);
    - in a batch whose quarantine decision changed since (quarantined after it was
      built, released, re-validated): monitoring.batch_quality.decided_at;
    - another variant of a touched article's (source, content hash) group: which
      variant stg_news__articles keeps may have changed.
    A pre-hook deletes the built rows of those articles; the model inserts what
    staging has for them now. Every step is a lookup by index, so the run costs what
    changed, not the history. So an incremental run gives the same rows as a full
    refresh; tests/dbt/test_cluster_marts_incremental.py proves it.
-#}

{#-
    The watermark as a literal, read when the model is compiled (before its pre-hook
    runs, so the model and its pre-hook agree): the planner then knows how few rows
    are newer and uses the change-stamp indexes. A sub-select would be an unknown
    value at plan time, estimated at a third of the table (sequential scans).
-#}
{% macro incremental_watermark(column, lookback_hours=0) -%}
    {%- if execute and is_incremental() -%}
        {%- set found = run_query(
            "select (coalesce(max(" ~ column ~ "), '-infinity'::timestamptz) - interval '"
            ~ lookback_hours ~ " hours')::text from " ~ this) -%}
        '{{ found.columns[0].values()[0] }}'::timestamptz
    {%- else -%}
        '-infinity'::timestamptz
    {%- endif -%}
{%- endmacro %}


{% macro news_changed_since() -%}
    {{ incremental_watermark('upstream_changed_at', var('incremental_lookback_hours')) }}
{%- endmacro %}


{#-
    The articles (article_id) to rebuild: touched since `since` (see above). Every
    variant of a touched article's (source, content hash) group is rebuilt, the
    article itself included; a deleted article is no longer in raw, so its id comes
    from the deletion log.
-#}
{% macro news_articles_to_rebuild(since) -%}
    select deleted.article_id
    from monitoring.news_deletions as deleted
    where deleted.table_name = 'news_articles'
        and deleted.deleted_at >= {{ since }}
    union
    select variants.article_id
    from (
        select distinct touched.source_id, touched.content_hash
        from (
            select source_id, content_hash
            from {{ ref('base_news__article_keys') }}
            where changed_at >= {{ since }}
            union all
            select source_id, content_hash
            from {{ ref('base_news__article_keys') }}
            where batch_id = any(array(
                -- read directly, as macro not_quarantined does: the platform's
                -- bookkeeping, there before dbt runs
                select decisions.batch_id
                from monitoring.batch_quality as decisions
                where decisions.dataset = 'news_articles'
                    and decisions.decided_at >= {{ since }}
            ))
            union all
            -- deleted rows, and rows whose content hash changed: their old group
            select source_id, content_hash
            from monitoring.news_deletions
            where table_name = 'news_articles'
                and deleted_at >= {{ since }}
        ) as touched
    ) as touched_groups
    -- One index lookup per group (raw index on source_id, content_hash). `offset 0`
    -- keeps the lateral sub-select from being flattened into a join, which the
    -- planner, unsure how many groups come, ran as a scan of every article.
    cross join lateral (
        select base_news__article_keys.article_id
        from {{ ref('base_news__article_keys') }}
        where base_news__article_keys.source_id = touched_groups.source_id
            and base_news__article_keys.content_hash = touched_groups.content_hash
        offset 0
    ) as variants
{%- endmacro %}


{#- Articles whose analysis or mentions changed or went since `since`. -#}
{% macro news_analyses_to_rebuild(since) -%}
    select article_id
    from {{ ref('stg_news__article_analyses') }}
    where changed_at >= {{ since }}
    union
    select article_id
    from monitoring.news_deletions
    where table_name in ('article_analysis', 'article_mentions')
        and deleted_at >= {{ since }}
{%- endmacro %}


{#-
    Pre-hook: delete the built rows of the keys about to be rebuilt (`keys_sql`, a
    select of one column). The model then inserts what upstream has for them now, so
    a key gone upstream (deleted, quarantined, no longer the kept variant) stays gone.
    Inside the model's transaction: a failed run leaves the table as it was.
-#}
{% macro delete_rows_to_rebuild(key_column, keys_sql) -%}
    {%- if is_incremental() -%}
    delete from {{ this }}
    where {{ key_column }} = any(array({{ keys_sql }}))
    {%- else -%}
    select 1  -- a full refresh rebuilds everything
    {%- endif -%}
{%- endmacro %}


{#-
    fct_article_mentions' articles to rebuild: those touched as articles (the same
    rule as fct_article_publications, which it joins) or as analyses, since its own
    watermark.
-#}
{% macro mention_articles_to_rebuild() -%}
    {{ news_articles_to_rebuild(news_changed_since()) }}
    union
    {{ news_analyses_to_rebuild(news_changed_since()) }}
{%- endmacro %}
