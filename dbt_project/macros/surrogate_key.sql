{#-
    A single-column key (md5, as text) for a grain made of several columns, like
    dbt_utils.generate_surrogate_key (no dbt packages can be installed here). NULL and
    the empty string hash differently; '-' separates the parts.
-#}
{% macro surrogate_key(columns) -%}
    md5(
    {%- for column in columns %}
        coalesce(cast({{ column }} as text), '_dbt_null_'){% if not loop.last %} || '-' ||{% endif %}
    {%- endfor %}
    )
{%- endmacro %}
