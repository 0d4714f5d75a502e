-- Registry and trade ingestion (ingest/): the batch ledger, the raw tables the loader
-- merges into by natural key, the quarantine of rejected rows and the findings on rows
-- that were kept. Idempotent: safe to apply on every start.
--
-- Codes and keys are text with the "C" collation: compared byte by byte (they are codes,
-- not words), which keeps the key indexes cheap to maintain (a BACI year loads ~40 %
-- faster than with the database's linguistic collation; benchmarks/ingest_copy.py).
-- Every raw row carries `_batch_id` (the batch that last inserted or changed it),
-- `_line_number` / `_sheet` (where in that batch's file) and `_loaded_at`.
-- Per finished batch: rows_in = rows_loaded + rows_rejected (checked here and in code),
-- rows_loaded = rows_inserted + rows_updated + rows_unchanged.

create schema if not exists ingest;
create schema if not exists raw;
create schema if not exists quarantine;

-- One row per file that arrived (landing zone, CLI, API download). The first arrival of
-- a content (dataset, sha256) is its batch; a later arrival of the same content is a row
-- of its own with status 'duplicate' and duplicate_of = that batch, and loads nothing.
create table if not exists ingest.batches (
    batch_id text primary key,
    dataset text not null check (dataset in ('registry', 'trade')),
    format text,                                  -- '<layout>-<container>', e.g. 'baci-csv'
    sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
    size_bytes bigint not null check (size_bytes >= 0),
    file_name text not null,
    source_path text not null,                    -- where it was read from
    received_via text not null,                   -- cli | watcher | reconcile | api
    status text not null check (status in ('loading', 'loaded', 'duplicate', 'rejected', 'failed')),
    duplicate_of text references ingest.batches (batch_id),
    reason text,                                  -- rejected / failed: a short code
    errors jsonb not null default '[]'::jsonb,    -- messages, newest last
    reader_options jsonb,                         -- encoding, delimiter, header line, sheets
    tables text[],                                -- raw tables the batch wrote to
    rows_in bigint,
    rows_loaded bigint,
    rows_rejected bigint,
    rows_inserted bigint,
    rows_updated bigint,
    rows_unchanged bigint,
    findings integer,
    attempts integer not null default 1,
    received_at timestamptz not null default now(),
    started_at timestamptz,
    finished_at timestamptz,
    archived_path text,                           -- where the landing zone moved the file
    validation_status text check (validation_status in ('passed', 'failed')),
    validated_at timestamptz,                     -- set by the DAG task that emitted the asset event
    check ((status = 'duplicate') = (duplicate_of is not null)),
    check (status <> 'loaded' or (
        rows_in = rows_loaded + rows_rejected
        and rows_loaded = rows_inserted + rows_updated + rows_unchanged))
);
-- One batch per content: the load of a duplicate is refused by the database too.
create unique index if not exists batches_content_idx
    on ingest.batches (dataset, sha256) where duplicate_of is null;
create index if not exists batches_status_idx on ingest.batches (status, received_at);

-- Facts about kept rows that a user must see: a wilaya name that disagrees with its
-- code, an e-mail with an OCR space, coordinates outside Algeria, rounded values...
-- Replaced as a whole when a batch is (re)loaded, in the same transaction.
create table if not exists ingest.findings (
    batch_id text not null references ingest.batches (batch_id) on delete cascade,
    finding_number integer not null,
    sheet text not null default '',
    line_number integer,                          -- null: about the whole file or a column
    field text,
    kind text not null,
    value text,
    detail text not null,
    primary key (batch_id, finding_number)
);
create index if not exists findings_kind_idx on ingest.findings (kind);

-- Rejected rows, with where they were and why. A reload of the batch replaces its rows.
create table if not exists quarantine.registry_rows (
    batch_id text not null references ingest.batches (batch_id) on delete cascade,
    sheet text not null default '',
    line_number integer not null,
    raw_line text not null,
    reason text not null,
    detail text,
    _quarantined_at timestamptz not null default now(),
    primary key (batch_id, sheet, line_number)
);

create table if not exists quarantine.trade_rows (
    batch_id text not null references ingest.batches (batch_id) on delete cascade,
    sheet text not null default '',
    line_number integer not null,
    raw_line text not null,
    reason text not null,
    detail text,
    _quarantined_at timestamptz not null default now(),
    primary key (batch_id, sheet, line_number)
);

-- ---------------------------------------------------------------------------------
-- Registry: companies and other organisations from CNRC extracts, professional lists,
-- cluster membership lists. Natural key company_key: 'nif:<NIF>', else 'nis:<NIS>',
-- else 'rc:<RC number>', else 'name:<md5 of name, wilaya, address>'.
-- Identifiers are text (leading zeros; 15 to 20 digits).
create table if not exists raw.registry_companies (
    company_key text collate "C" primary key,
    nis text,
    nif text,
    rc_number text,
    name_fr text,
    name_ar text,
    legal_form text,
    wilaya_code text,                             -- two digits as given ('08'), not corrected
    wilaya_name text,
    commune text,
    address text,
    activity_code text,
    sector text,
    creation_date date,
    employees integer check (employees >= 0),
    email text,
    phone text,
    latitude double precision,
    longitude double precision,
    cluster_memberships text[],
    extra jsonb,                                  -- the file's columns that have no alias
    _batch_id text collate "C" not null,
    _line_number integer not null,
    _sheet text,
    _loaded_at timestamptz not null default now()
);
create index if not exists registry_companies_batch_idx on raw.registry_companies (_batch_id);

create table if not exists raw.registry_cluster_memberships (
    company_key text collate "C" not null,
    cluster_name text not null,
    _batch_id text collate "C" not null,
    _line_number integer not null,
    _sheet text,
    _loaded_at timestamptz not null default now(),
    primary key (company_key, cluster_name)
);
create index if not exists registry_cluster_memberships_batch_idx
    on raw.registry_cluster_memberships (_batch_id);

-- ---------------------------------------------------------------------------------
-- Trade. One table per source layout, with the source's units; dbt unifies them.

-- UN Comtrade records (API JSON or CSV with the API's column names). Values in USD,
-- weights in kg. Key: the API's dimensions; missing optional ones take the API's
-- totals (partner2 'W00', customs 'C00', mode of supply '0', transport 0).
create table if not exists raw.trade_comtrade_records (
    type_code text collate "C" not null,
    freq_code text collate "C" not null,
    period text collate "C" not null,
    ref_year integer not null,
    ref_month integer,
    ref_period_id integer,
    reporter_code integer,
    reporter_iso text collate "C" not null,
    reporter_desc text,
    flow_code text collate "C" not null,
    flow_desc text,
    partner_code integer,
    partner_iso text collate "C" not null,
    partner_desc text,
    partner2_code integer,
    partner2_iso text collate "C" not null,
    partner2_desc text,
    classification_code text collate "C" not null,
    classification_search_code text,
    is_original_classification boolean,
    cmd_code text collate "C" not null,
    cmd_desc text,
    aggr_level integer,
    is_leaf boolean,
    customs_code text collate "C" not null,
    customs_desc text,
    mos_code text collate "C" not null,
    mot_code integer not null,
    mot_desc text,
    qty_unit_code integer,
    qty_unit_abbr text,
    qty numeric,
    is_qty_estimated boolean,
    alt_qty_unit_code integer,
    alt_qty_unit_abbr text,
    alt_qty numeric,
    is_alt_qty_estimated boolean,
    net_wgt numeric,
    is_net_wgt_estimated boolean,
    gross_wgt numeric,
    is_gross_wgt_estimated boolean,
    cif_value numeric,
    fob_value numeric,
    primary_value numeric not null check (primary_value >= 0),
    legacy_estimation_flag integer,
    is_reported boolean,
    is_aggregate boolean,
    _batch_id text collate "C" not null,
    _line_number integer not null,
    _sheet text,
    _loaded_at timestamptz not null default now(),
    primary key (type_code, freq_code, period, reporter_iso, flow_code, partner_iso,
                 partner2_iso, classification_code, cmd_code, customs_code, mos_code, mot_code)
);
create index if not exists trade_comtrade_records_batch_idx on raw.trade_comtrade_records (_batch_id);

-- CEPII BACI (t,i,j,k,v,q): value in thousand USD, quantity in metric tons; exporter and
-- importer are BACI's numeric country codes (see raw.trade_baci_countries).
create table if not exists raw.trade_baci_flows (
    hs_revision text collate "C" not null,        -- from the file name (BACI_HS17_...), or 'unknown'
    year integer not null,
    exporter_code integer not null,
    importer_code integer not null,
    product_code text collate "C" not null,       -- HS6, text, leading zero kept
    value_kusd numeric not null check (value_kusd >= 0),
    quantity_tonnes numeric check (quantity_tonnes >= 0),
    baci_release text,                            -- e.g. 'V202401', from the file name
    _batch_id text collate "C" not null,
    _line_number integer not null,
    _sheet text,
    _loaded_at timestamptz not null default now(),
    -- The natural key (hs_revision, year, exporter, importer, product), integers first.
    primary key (year, exporter_code, importer_code, product_code, hs_revision)
);
create index if not exists trade_baci_flows_batch_idx on raw.trade_baci_flows (_batch_id);

create table if not exists raw.trade_baci_countries (
    country_code integer primary key,
    country_name text not null,
    country_name_full text,
    iso2 text,
    iso3 text,
    _batch_id text collate "C" not null,
    _line_number integer not null,
    _sheet text,
    _loaded_at timestamptz not null default now()
);

-- The national customs format documented in docs/ingestion.md: Algeria's own trade by
-- year (month 0 = the whole year), flow (X export, M import), partner and HS code.
create table if not exists raw.trade_national_flows (
    year integer not null,
    month integer not null check (month between 0 and 12),
    flow_code text collate "C" not null check (flow_code in ('X', 'M')),
    partner_iso3 text collate "C" not null,
    hs_code text collate "C" not null,
    value_dzd numeric check (value_dzd >= 0),
    value_usd numeric check (value_usd >= 0),
    net_weight_kg numeric check (net_weight_kg >= 0),
    quantity numeric check (quantity >= 0),
    quantity_unit text,
    _batch_id text collate "C" not null,
    _line_number integer not null,
    _sheet text,
    _loaded_at timestamptz not null default now(),
    primary key (year, month, flow_code, partner_iso3, hs_code)
);
create index if not exists trade_national_flows_batch_idx on raw.trade_national_flows (_batch_id);

-- Country-year aggregates (the layout of harvard-growth-lab/comtrade-mirroring's
-- auxiliary_statistics): GDP, population, natural-resource and total trade in USD.
-- Not product-level trade: no HS code, no partner.
create table if not exists raw.trade_country_aggregates (
    country_iso3 text collate "C" not null,
    year integer not null,
    gdp_usd numeric,
    gdp_per_capita_usd numeric,
    population numeric,
    natural_resource_exports_usd numeric,
    natural_resource_imports_usd numeric,
    natural_resource_net_exports_usd numeric,
    total_exports_usd numeric,
    total_imports_usd numeric,
    extra jsonb,                                  -- the file's other columns, as given
    _batch_id text collate "C" not null,
    _line_number integer not null,
    _sheet text,
    _loaded_at timestamptz not null default now(),
    primary key (country_iso3, year)
);
