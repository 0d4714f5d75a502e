{#-
    Fails on rows whose timestamp lies more than `tolerance` (a PostgreSQL interval)
    after the time the test runs. A publication date in the future means the date
    cascade misread a page (day and month swapped, local time taken for UTC).
-#}
{% test not_in_future(model, column_name, tolerance='1 hour') %}

select {{ column_name }}
from {{ model }}
where {{ column_name }} > now() + interval '{{ tolerance }}'

{% endtest %}
