{#-
    Fails on values outside [min_value, max_value] (nulls pass: not_null says whether
    they may be null). Shares, indices and coordinates have known ranges; a value
    outside one is a formula or unit error (thousand USD taken for USD).
-#}
{% test value_between(model, column_name, min_value, max_value) %}

select {{ column_name }}
from {{ model }}
where {{ column_name }} < {{ min_value }} or {{ column_name }} > {{ max_value }}

{% endtest %}
