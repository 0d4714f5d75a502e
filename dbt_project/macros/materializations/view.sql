{#-
    The `view` materialization for PostgreSQL, overriding dbt's (dbt-core's
    `materialization view, default`; dbt-postgres has none of its own). dbt resolves a
    model's materialization to the most specific adapter first, then the root project
    over dbt's own, so this one wins for every view of the project.

    dbt's view re-creates the view on every run: a new view under `<name>__dbt_tmp`,
    two renames, a `drop ... cascade` of the old one (which drops every view built on
    it: they are then re-created in turn), grants and comments written again. An
    incremental run spends a good part of its time there (docs/warehouse.md
    "Benchmark"). This one keeps a view whose definition has not changed:

    - "unchanged" is decided by PostgreSQL, not by a stored fingerprint: the model's
      SQL becomes a temporary view (session-local, never seen by anyone else), and
      `pg_get_viewdef` of it must equal `pg_get_viewdef` of the existing view. That
      is the query as PostgreSQL parsed it, so it also catches what compiled SQL
      alone would not: a `select *` whose table gained a column, a parent replaced
      by another relation. The existing view is looked up in the catalog, not in
      dbt's relation cache: a view dropped by a `drop ... cascade` of a parent
      earlier in the run (dbt's table and view materializations both cascade) is
      then missing, and is created again.
    - grants: dbt's own `apply_grants` with revocation, as for an incremental model:
      one query of the current grants, statements only for what differs.
    - comments (`persist_docs`): compared in the same query as the definition
      (relation and documented columns); dbt's `persist_docs` runs only if one differs.
    - hooks run as in dbt's view.
    - `--full-refresh` (or `full_refresh: true`) re-creates every view, as dbt does.

    A kept view is reported as `VIEW UNCHANGED` (run_results.json `message` and
    `adapter_response.code`) and logged; everything else is dbt's view
    materialization unchanged.
-#}
{%- materialization view, adapter='postgres' -%}

  {%- set target_relation = this.incorporate(type='view') -%}
  {%- set grant_config = config.get('grants') -%}

  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  -- `BEGIN` happens here:
  {{ run_hooks(pre_hooks, inside_transaction=True) }}

  {%- set found = clusterwatch_existing_view(target_relation, sql) -%}

  {%- if found.kind == 'v' and found.same_definition and not (flags.FULL_REFRESH or config.get('full_refresh')) -%}
    {{ log("view " ~ target_relation.render() ~ " unchanged: kept", info=True) }}
    {% do store_raw_result('main', message='VIEW UNCHANGED', code='VIEW UNCHANGED', rows_affected=-1) %}
    {% do apply_grants(target_relation, grant_config, should_revoke=True) %}
    {% if not found.same_docs %}
      {% do persist_docs(target_relation, model) %}
    {% endif %}
    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {{ adapter.commit() }}
    {{ run_hooks(post_hooks, inside_transaction=False) }}
    {{ return({'relations': [target_relation]}) }}
  {%- endif -%}

  {#- From here on dbt-core 1.11's view materialization, the existing relation taken
      from the catalog (above) rather than from the cache. -#}
  {%- if found.kind is none -%}
    {%- set existing_relation = none -%}
    {%- set cached = load_cached_relation(this) -%}
    {%- if cached is not none -%}
      {% do adapter.cache_dropped(cached) %}
    {%- endif -%}
  {%- else -%}
    {%- set existing_type = {'v': 'view', 'm': 'materialized_view'}.get(found.kind, 'table') -%}
    {%- set existing_relation = this.incorporate(type=existing_type) -%}
  {%- endif -%}
  {%- set intermediate_relation = make_intermediate_relation(target_relation) -%}
  {%- set preexisting_intermediate_relation = load_cached_relation(intermediate_relation) -%}
  {%- set backup_relation_type = 'view' if existing_relation is none else existing_relation.type -%}
  {%- set backup_relation = make_backup_relation(target_relation, backup_relation_type) -%}
  {%- set preexisting_backup_relation = load_cached_relation(backup_relation) -%}

  {{ drop_relation_if_exists(preexisting_intermediate_relation) }}
  {{ drop_relation_if_exists(preexisting_backup_relation) }}

  {% call statement('main') -%}
    {{ get_create_view_as_sql(intermediate_relation, sql) }}
  {%- endcall %}

  {% if existing_relation is not none %}
    {{ adapter.rename_relation(existing_relation, backup_relation) }}
  {% endif %}
  {{ adapter.rename_relation(intermediate_relation, target_relation) }}

  {% set should_revoke = should_revoke(existing_relation, full_refresh_mode=True) %}
  {% do apply_grants(target_relation, grant_config, should_revoke=should_revoke) %}

  {% do persist_docs(target_relation, model) %}

  {{ run_hooks(post_hooks, inside_transaction=True) }}

  {{ adapter.commit() }}

  {{ drop_relation_if_exists(backup_relation) }}

  {{ run_hooks(post_hooks, inside_transaction=False) }}

  {{ return({'relations': [target_relation]}) }}

{%- endmaterialization -%}


{#-
    What the catalog holds under `relation`'s name, in one round trip:
    {kind: pg_class.relkind or none, same_definition: the existing view's query is the
    one `sql` gives, same_docs: its comments are those persist_docs would write}.
    `sql` is parsed into the temporary view pg_temp.clusterwatch_view_check, replaced
    at each call; temporary objects disappear with dbt's connection.
-#}
{% macro clusterwatch_existing_view(relation, sql) %}
  {%- set checked = api.Relation.create(schema='pg_temp', identifier='clusterwatch_view_check',
                                        type='view').include(database=False) -%}
  {%- set target = relation.include(database=False).render() -%}
  {%- set doc_checks = [] -%}
  {%- if config.persist_relation_docs() and model.description -%}
    {%- do doc_checks.append("obj_description(existing.oid, 'pg_class') is not distinct from "
                             ~ postgres_escape_comment(model.description)) -%}
  {%- endif -%}
  {%- if config.persist_column_docs() and model.columns -%}
    {%- for column_name, column in model.columns.items() -%}
      {%- set attname = column_name if column.quote else column_name | lower -%}
      {%- do doc_checks.append(
            "not exists (select from pg_attribute as a where a.attrelid = existing.oid"
            ~ " and a.attnum > 0 and not a.attisdropped and a.attname = '" ~ attname | replace("'", "''") ~ "'"
            ~ " and coalesce(col_description(existing.oid, a.attnum), '') <> "
            ~ postgres_escape_comment(column.description or '') ~ ")") -%}
    {%- endfor -%}
  {%- endif -%}
  {%- call statement('clusterwatch_existing_view', fetch_result=True) -%}
    drop view if exists {{ checked }};
    {{ get_create_view_as_sql(checked, sql) }}
    select existing.relkind::text as kind,
        existing.relkind = 'v'
            and pg_get_viewdef(existing.oid) = pg_get_viewdef('{{ checked }}'::regclass) as same_definition,
        {{ doc_checks | join('\n        and ') if doc_checks else 'true' }} as same_docs
    from (select to_regclass('{{ target | replace("'", "''") }}') as oid) as found
    left join pg_class as existing on existing.oid = found.oid
  {%- endcall -%}
  {%- set row = load_result('clusterwatch_existing_view').table.rows[0] -%}
  {{ return({'kind': row['kind'], 'same_definition': row['same_definition'], 'same_docs': row['same_docs']}) }}
{% endmacro %}
