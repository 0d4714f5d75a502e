{#-
    Models land in exactly the schema their folder names (staging, intermediate,
    marts), never in `<target schema>_<custom schema>` as dbt does by default: the
    warehouse bootstrap, the analyst role and BI tools all rely on those three names.
    Dev and prod differ by database (CLUSTERWATCH_DBT_DBNAME), not by schema prefix.
    A node without a custom schema falls back to the target schema.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
