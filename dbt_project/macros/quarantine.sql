{#-
    A where-clause condition that leaves out the rows of quarantined batches:
    batches whose latest validation failed an error-level Great Expectations check
    (monitoring.batch_quality, written by expectations/runner.py). Staging models of
    batch-loaded raw tables use it, so no mart builds on a quarantined batch until it
    passes a re-validation or an operator releases it.

    The table is read directly, not through source(): it is the platform's own
    bookkeeping (created by clusterwatch/sql/004_quality.sql before dbt ever runs),
    and a second source() would make every staging model read two sources. It is
    declared as a source in models/staging/monitoring for the monitoring marts.
-#}
{% macro not_quarantined(dataset, batch_column) -%}
    not exists (
        select 1
        from monitoring.batch_quality as quarantined_batches
        where quarantined_batches.dataset = '{{ dataset }}'
            and quarantined_batches.batch_id = {{ batch_column }}
            and quarantined_batches.status = 'quarantined'
    )
{%- endmacro %}
