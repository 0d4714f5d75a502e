{#-
    Number of words in a text column: runs of non-whitespace characters, so that it
    works the same for Arabic and French (an apostrophe keeps "l'usine" one word).
    Stored text is NFKC-normalised, so no-break spaces are already plain spaces.
    NULL and blank text count 0 words.
-#}
{% macro word_count(text_column) -%}
    coalesce(
        array_length(
            regexp_split_to_array(
                nullif(regexp_replace({{ text_column }}, '^\s+|\s+$', '', 'g'), ''),
                '\s+'
            ),
            1
        ),
        0
    )
{%- endmacro %}
