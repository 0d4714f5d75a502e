{#-
    Fails on the rows where a SQL condition is false (like dbt_utils'
    expression_is_true, which cannot be installed here): a rule between columns of
    one row, such as exports of one chapter never above the total.
-#}
{% test expression_is_true(model, expression, column_name=none) %}

select *
from {{ model }}
where not ({{ expression }})

{% endtest %}
