"""Registry and trade files (and the UN Comtrade API) into `raw`, through a landing zone.

    ingest.pipeline.ingest_file(path, "registry")   # one file: ledger, read, quarantine, COPY, merge
    ingest.landing.process_pending("trade")         # what the DAGs call: every landed file

Layers (pure functions where possible, I/O at the edges):

- `ingest.text`, `ingest.reference`: normalisation (Eastern Arabic digits, labels, wilaya
  names) and the wilaya reference (dbt seed `wilayas`).
- `ingest.formats`: bytes -> records. Container sniffing (CSV/TSV in any encoding, XLSX,
  JSON), header aliases (`ingest/aliases.yaml`, data), one layout per source kind that
  types a row or rejects it with a reason, and reports findings on kept rows.
- `ingest.load`: COPY (psycopg 3) into a temporary stage, then one merge into `raw` by
  natural key, with the quarantine and findings, in the caller's transaction.
- `ingest.ledger`: `ingest.batches`, one row per arrived file; the same content twice is
  one batch.
- `ingest.landing`: the landing zone (`.ready` markers, `archive/`, `rejected/`).
- `ingest.triggers`: the AssetWatcher trigger on the markers (imported at DAG parse
  time and by the triggerer: keep this package's import light).
- `ingest.comtrade`: UN Comtrade API client (key, paging, rate limit, retries).
"""
