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


{#-
    The batches of `datasets` (dataset names of the Great Expectations suites, as in
    monitoring.batch_quality) whose quality decision was made or changed since
    `since`: quarantined after they were built, released, re-validated. A select of
    one column, batch_id. With `with_decision`, also `status` and `decided_at`.
    Read directly, as macro not_quarantined does: the platform's bookkeeping, there
    before dbt runs.
-#}
{% macro batches_decided_since(datasets, since, with_decision=false) -%}
    select decisions.batch_id
        {%- if with_decision %}, decisions.dataset, decisions.status, decisions.decided_at{% endif %}
                from monitoring.batch_quality as decisions
                where decisions.dataset
                    {%- if datasets | length == 1 %} = '{{ datasets[0] }}'
                    {%- else %} in ('{{ datasets | join("', '") }}'){% endif %}
                    and decisions.decided_at >= {{ since }}
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
                {{ batches_decided_since(['news_articles'], since) }}
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


{#-
    fct_trade_flows and the quality decisions on trade batches (docs/warehouse.md,
    "Incremental strategy"). New rows come in by each raw table's load time
    (source_loaded_at); a decision made later on a batch already loaded (quarantined
    after the fact was built, released, re-validated) changes which of its rows belong
    in the fact without changing the rows. Each flow carries its batches (batch_ids,
    GIN index) and the latest decision on them (batch_decided_at), so a run finds the
    decisions it has not applied yet:
    - decided since the newest batch_decided_at built, minus the lookback (a
      validation committed after a later one), in macro batches_decided_since;
    - and not yet applied: a quarantined batch that still has flows in the fact, or a
      batch not quarantined with no flow stamped with its decision (a batch none of
      whose rows makes a flow, e.g. monthly Comtrade, is looked at again until the
      lookback window passes it: one index probe each).
    Read when the model is compiled, by index (below); no decision to apply, no extra
    SQL. Returns a list of {batch_id, dataset, is_quarantined, needs_reread};
    needs_reread is false for a batch quarantined, and for one whose load started
    after the newest loaded_at built (ingest.batches.started_at): the load-time branch
    reads it.
-#}
{% macro trade_decided_datasets() -%}
    {{ return(['trade_comtrade_records', 'trade_baci_flows', 'trade_national_flows']) }}
{%- endmacro %}


{% macro trade_batches_to_rebuild() -%}
    {%- set batches = [] -%}
    {%- if execute and is_incremental() -%}
        {%- set built_columns = adapter.get_columns_in_relation(this) | map(attribute='name') | list -%}
        {%- if 'batch_decided_at' not in built_columns -%}
            {#- Built by an older version (dbt compile or docs on it): nothing to apply;
                `dbt run`/`build` rebuilds it first (macro rebuild_if_built_without). -#}
            {{ return(batches) }}
        {%- endif -%}
        {%- set decided_since = incremental_watermark(
            'batch_decided_at', var('incremental_lookback_hours')) -%}
        {%- set loaded_since = incremental_watermark('loaded_at') -%}
        {#-
            1. The decisions in the window, and whether the batch's load started after the
            newest loaded_at built (the ledger, by primary key): all its rows are then
            newer than the watermark (one transaction per load, ingest/parallel.py).
        -#}
        {%- set decided = run_query(
            "select decided.batch_id, decided.dataset, decided.status = 'quarantined',"
            ~ " decided.decided_at::text,"
            ~ " exists (select 1 from ingest.batches as loads"
            ~ " where loads.batch_id = decided.batch_id and loads.started_at > " ~ loaded_since ~ ")"
            ~ " from (" ~ batches_decided_since(trade_decided_datasets(), decided_since, with_decision=true)
            ~ ") as decided order by decided.batch_id") -%}
        {#-
            2. Those the fact does not reflect yet: one probe each, with literals, in
            shapes the planner runs by index. An `exists` on batch_ids is planned as a scan
            hoping for an early hit, and reads the whole fact when the batch is not there.
            - quarantined, still built: a count by the GIN index on batch_ids (nothing
              to read once the flows are gone);
            - otherwise, no flow of the batch stamped with this decision: the first flow
              in batch_decided_at order from the decision on (btree; the batch's own
              flows come first).
        -#}
        {%- if decided.rows | length > 0 -%}
            {%- set probes = [] -%}
            {%- for row in decided.rows -%}
                {%- set batch = text_array([row[0]]) -%}
                {%- if row[2] -%}
                    {%- do probes.append("select " ~ loop.index0 ~ " as position, (select count(*) from "
                        ~ this ~ " where batch_ids @> " ~ batch ~ ") > 0 as is_pending") -%}
                {%- else -%}
                    {%- do probes.append("select " ~ loop.index0 ~ ", (select batch_decided_at from "
                        ~ this ~ " where batch_decided_at >= '" ~ row[3] ~ "'::timestamptz"
                        ~ " and batch_ids @> " ~ batch ~ " order by batch_decided_at limit 1) is null") -%}
                {%- endif -%}
            {%- endfor -%}
            {%- set pending = run_query(probes | join(" union all ") ~ " order by 1") -%}
            {%- for probe in pending.rows if probe[1] -%}
                {%- set row = decided.rows[probe[0] | int] -%}
                {%- do batches.append({
                    'batch_id': row[0], 'dataset': row[1], 'is_quarantined': row[2],
                    'needs_reread': not row[2] and not row[4]}) -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endif -%}
    {{ return(batches) }}
{%- endmacro %}


{#- A list of strings as a text[] literal. -#}
{% macro text_array(values) -%}
    array[
    {%- for value in values -%}
        '{{ value | replace("'", "''") }}'{{ ", " if not loop.last }}
    {%- endfor -%}
    ]::text[]
{%- endmacro %}


{#-
    fct_trade_flows' pre-hook keys (macro delete_rows_to_rebuild): the built flows of
    every batch with a decision to apply, by the GIN index on batch_ids. A flow of a
    quarantined batch is thus deleted; one of a released or re-validated batch is
    inserted again with its new stamp; a national flow summing a quarantined month is
    inserted again from the other months.
-#}
{% macro trade_flows_to_rebuild() -%}
    {%- set batch_ids = trade_batches_to_rebuild() | map(attribute='batch_id') | list -%}
    {%- if batch_ids -%}
    select trade_flow_id
    from {{ this }}
    where batch_ids && {{ text_array(batch_ids) }}
    {%- else -%}
    select null::text where false /* no decision to apply */
    {%- endif -%}
{%- endmacro %}


{#-
    An incremental model whose existing table lacks columns its incremental logic
    reads (built by an older version of the project) is dropped and built in full, once,
    by `dbt run` / `dbt build`: appending the columns would leave them empty on every old
    row, and an error would stop every transform of a warehouse that is being upgraded
    (tests/dbt/test_trade_quarantine.py). Called at the top of the model, before
    anything asks is_incremental(): once dropped (the relation cache too), the rest of
    the model compiles as a first build. `dbt compile` and `dbt docs generate` never drop.
-#}
{% macro rebuild_if_built_without(columns) -%}
    {%- if execute and flags.WHICH in ('run', 'build') and is_incremental() -%}
        {%- set built_columns = adapter.get_columns_in_relation(this) | map(attribute='name') | list -%}
        {%- set missing = [] -%}
        {%- for column in columns if column not in built_columns -%}
            {%- do missing.append(column) -%}
        {%- endfor -%}
        {%- if missing -%}
            {%- do log(this ~ " was built without " ~ missing | join(", ")
                ~ ": dropped and built in full (once, after an upgrade)", info=true) -%}
            {%- do adapter.drop_relation(load_cached_relation(this)) -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
