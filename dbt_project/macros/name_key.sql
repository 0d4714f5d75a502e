{#-
    A matching key for a name as people write it: lower case, Latin accents and
    ligatures folded (é -> e, œ -> o), Arabic alef / ta marbuta / alef maqsura variants
    folded, tatweel and harakat dropped, punctuation and runs of spaces made one space;
    null when nothing is left. Registry files write cluster and wilaya names freely
    ("Cluster Mécanique de précision", "التجمع الميكانيكي للدقة", "MEDEA", "Médéa "); the
    key lets them meet the gazetteer's aliases and the wilaya names. Pure SQL (the
    unaccent extension is not assumed). Upper-case accented letters are folded by
    translate(), not lower(), which leaves them alone under the C locale.
-#}
{% macro name_key(expression) -%}
    nullif(trim(regexp_replace(
        lower(translate(
            {{ expression }},
            'àáâäãåçèéêëìíîïñòóôöõùúûüýÿÀÁÂÄÃÅÇÈÉÊËÌÍÎÏÑÒÓÔÖÕÙÚÛÜÝœŒأإآٱةىـًٌٍَُِّْ',
            'aaaaaaceeeeiiiinooooouuuuyyaaaaaaceeeeiiiinooooouuuuyooااااهي'
        )),
        '[[:space:][:punct:]«»’]+', ' ', 'g'
    )), '')
{%- endmacro %}
