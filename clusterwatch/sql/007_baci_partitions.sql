-- raw.trade_baci_flows partitioned by (hs_revision, year, exporter_code). Idempotent:
-- safe on every start (it converts the table once; afterwards it only re-states the
-- function).
--
-- Why (docs/ingestion.md, "Parallel chunks"): a BACI file is one (hs_revision, year)
-- slice sorted by exporter. A slice that holds no rows yet is loaded by K connections at
-- once, each COPYing a run of exporters into a table of its own (schema ingest_work) and
-- building its primary key there; one final transaction attaches those tables as the
-- slice's partitions. A partitioned table can do that; a plain table cannot (a COPY into
-- one table by several sessions still maintains one index; ingest/parallel.py).
--
-- Every partition covers whole slices: either one partition for the slice, from
-- (rev, year, MINVALUE) to (rev, year, MAXVALUE), or the loader's chunk partitions, which
-- together cover exactly that. No DEFAULT partition: attaching a partition next to a
-- non-empty default one scans it. A writer that inserts rows of a slice that has no
-- partition yet calls raw.ensure_trade_baci_flows_partition(rev, year) first (the loader
-- does, for every slice its merge routes rows to).

create schema if not exists ingest_work;  -- the loader's chunk tables, before they are attached

create or replace function raw.ensure_trade_baci_flows_partition(revision text, slice_year integer)
returns void language plpgsql as $$
begin
    execute format(
        'create table raw.%I partition of raw.trade_baci_flows '
        'for values from (%L, %s, minvalue) to (%L, %s, maxvalue)',
        'trade_baci_flows_' || regexp_replace(lower(revision), '[^a-z0-9]', '_', 'g') || '_' || slice_year,
        revision, slice_year, revision, slice_year);
exception
    -- The slice has its partition(s) already (the loader's chunks, or another session's).
    when invalid_object_definition or duplicate_table then null;
end
$$;

do $$
declare
    view_definitions text[] := '{}';
    item record;
begin
    if (select relkind from pg_class where oid = 'raw.trade_baci_flows'::regclass) = 'p' then
        return;  -- converted already
    end if;
    -- Views on the table (dbt's staging view and the views on it): recreated on the new
    -- table in dependency order (dbt would recreate them too, but a deployment must not
    -- lose them between this start and the next dbt run).
    for item in
        with recursive dependents (oid, depth) as (
            select distinct r.ev_class, 1 from pg_depend d join pg_rewrite r on r.oid = d.objid
            where d.refobjid = 'raw.trade_baci_flows'::regclass and r.ev_class <> d.refobjid
            union
            select distinct r.ev_class, p.depth + 1 from dependents p
            join pg_depend d on d.refobjid = p.oid join pg_rewrite r on r.oid = d.objid
            where r.ev_class <> p.oid and p.depth < 50
        )
        select c.oid, max(depth) as depth from dependents x join pg_class c on c.oid = x.oid
        where c.relkind = 'v' group by c.oid order by max(depth)
    loop
        view_definitions := view_definitions || format('create or replace view %s as %s',
            item.oid::regclass, pg_get_viewdef(item.oid));
    end loop;

    alter table raw.trade_baci_flows rename to trade_baci_flows_unpartitioned;
    alter index raw.trade_baci_flows_pkey rename to trade_baci_flows_unpartitioned_pkey;
    alter index raw.trade_baci_flows_batch_idx rename to trade_baci_flows_unpartitioned_batch_idx;

    create table raw.trade_baci_flows (
        hs_revision text collate "C" not null,        -- from the file name (BACI_HS17_...), or 'unknown'
        year integer not null,
        exporter_code integer not null,
        importer_code integer not null,
        product_code text collate "C" not null,       -- HS6, text, leading zero kept
        value_kusd numeric not null constraint trade_baci_flows_value_kusd_check check (value_kusd >= 0),
        quantity_tonnes numeric constraint trade_baci_flows_quantity_tonnes_check check (quantity_tonnes >= 0),
        baci_release text,                            -- e.g. 'V202401', from the file name
        _batch_id text collate "C" not null,
        _line_number integer not null,
        _sheet text,
        _loaded_at timestamptz not null default now(),
        -- The natural key (hs_revision, year, exporter, importer, product), integers first.
        primary key (year, exporter_code, importer_code, product_code, hs_revision)
    ) partition by range (hs_revision, year, exporter_code);
    -- BRIN, not btree: a batch's rows are contiguous in its partitions' heaps, and a BRIN
    -- index costs one pass at the end of a load instead of a sort of every row.
    create index trade_baci_flows_batch_idx on raw.trade_baci_flows using brin (_batch_id);

    for item in select distinct hs_revision, year from raw.trade_baci_flows_unpartitioned loop
        perform raw.ensure_trade_baci_flows_partition(item.hs_revision, item.year);
    end loop;
    insert into raw.trade_baci_flows (hs_revision, year, exporter_code, importer_code, product_code,
        value_kusd, quantity_tonnes, baci_release, _batch_id, _line_number, _sheet, _loaded_at)
    select hs_revision, year, exporter_code, importer_code, product_code, value_kusd, quantity_tonnes,
        baci_release, _batch_id, _line_number, _sheet, _loaded_at
    from raw.trade_baci_flows_unpartitioned
    order by hs_revision, year, exporter_code, importer_code, product_code;

    drop table raw.trade_baci_flows_unpartitioned cascade;
    for item in select unnest(view_definitions) as definition loop
        execute item.definition;
    end loop;
end
$$;
