{#-
    The year of an HS revision label, to pick the newest revision when one year of
    trade is loaded in two (BACI writes HS92 ... HS22, UN Comtrade H0 ... H6; the
    labels do not sort as text). Unknown labels give 0, so any known revision wins.
-#}
{% macro hs_revision_year(revision_column) -%}
    case upper({{ revision_column }})
        when 'HS92' then 1992 when 'H0' then 1992
        when 'HS96' then 1996 when 'H1' then 1996
        when 'HS02' then 2002 when 'H2' then 2002
        when 'HS07' then 2007 when 'H3' then 2007
        when 'HS12' then 2012 when 'H4' then 2012
        when 'HS17' then 2017 when 'H5' then 2017
        when 'HS22' then 2022 when 'H6' then 2022
        else 0
    end
{%- endmacro %}
