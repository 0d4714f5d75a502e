{#-
    Helpers of the incremental marts (docs/warehouse.md, "Incremental strategy").

    Every incremental mart carries `upstream_changed_at`: the latest `_changed_at`
    (clusterwatch/sql/006_change_tracking.sql, stamped by a trigger on every insert and
    update) of the raw rows it is built from. An incremental run re-processes:
    - the keys whose upstream changed since the newest `upstream_changed_at` already
      built, minus var('incremental_lookback_hours') for writers whose transaction
      committed after a later one (a long scrape or load);
    - the keys not built yet at all, whatever their time stamp (a quarantined batch
      released by an operator, a duplicate page that became the kept one);
    and a post-hook deletes the rows whose key is gone upstream (a batch quarantined
    after the fact, an article deleted, a mention the re-analysis no longer finds).
    So an incremental run gives the same rows as a full refresh; a test proves it.
-#}

{% macro changed_since_last_run(changed_column) -%}
    {{ changed_column }} >= (
        select
            coalesce(max(built.upstream_changed_at), '-infinity'::timestamptz)
            - interval '{{ var("incremental_lookback_hours") }} hours'
        from {{ this }} as built
    )
{%- endmacro %}


{% macro keys_not_built_yet(relation, key_column) -%}
    select candidates.{{ key_column }}
    from {{ relation }} as candidates
    left join {{ this }} as built
        on candidates.{{ key_column }} = built.{{ key_column }}
    where built.{{ key_column }} is null
{%- endmacro %}


{#-
    Deletion detection reads every built row against the upstream keys, so it is kept
    to the key columns:
    - `key_column` may be a list: compare natural keys rather than a surrogate key the
      upstream view computes (md5 of 400,000 mentions took 1-2 s);
    - the anti-join runs in an array sub-select (an init plan) and the delete takes the
      rows by ctid: in a plain `delete ... where not exists (...)` PostgreSQL carries
      the whole upstream row (every column of the view, md5 keys and article bodies
      included) for its concurrent-update recheck.
-#}
{% macro delete_rows_gone_upstream(upstream, key_column, upstream_key=none) -%}
    {%- set built_keys = [key_column] if key_column is string else key_column -%}
    {%- set upstream_keys = built_keys if upstream_key is none
        else ([upstream_key] if upstream_key is string else upstream_key) -%}
    {%- if is_incremental() -%}
    delete from {{ this }} as built
    where built.ctid = any(array(
        select kept.ctid
        from {{ this }} as kept
        where not exists (
            select 1
            from {{ upstream }} as current_rows
            where
            {%- for built_key in built_keys %}
                {% if not loop.first %}and {% endif -%}
                current_rows.{{ upstream_keys[loop.index0] }} = kept.{{ built_key }}
            {%- endfor %}
        )
    ))
    {%- else -%}
    select 1  -- a full refresh has nothing stale to delete
    {%- endif -%}
{%- endmacro %}
