{#-
    A matching key for a place name written by hand: accents, case, apostrophes and
    punctuation removed, Arabic alef forms folded, spaces collapsed ('Médéa' and
    'MEDEA' and 'Medea ' give 'medea'). Pure SQL (the unaccent extension is not
    assumed); upper-case accented letters are folded before lower() so that a
    database with the C ctype folds them too.
-#}
{% macro name_key(text_expression) -%}
    nullif(trim(regexp_replace(
        lower(translate(
            {{ text_expression }},
            'ÀÂÄÁÉÈÊËÍÎÏÓÔÖÚÙÛÜÇàâäáãéèêëíìîïóòôöúùûüçñÿأإآ',
            'aaaaeeeeiiiooouuuucaaaaaeeeeiiiioooouuuucnyااا'
        )),
        '[^a-z0-9ء-ي]+', ' ', 'g'
    )), '')
{%- endmacro %}
