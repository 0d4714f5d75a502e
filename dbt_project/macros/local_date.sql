{#-
    The calendar date, in the platform's local time zone (var `local_timezone`,
    Africa/Algiers), of a UTC timestamp (timestamptz) column. An article published at
    23:30 UTC on 31 March was published on 1 April in Algiers.
-#}
{% macro local_date(timestamp_column) -%}
    ({{ timestamp_column }} at time zone '{{ var("local_timezone") }}')::date
{%- endmacro %}
