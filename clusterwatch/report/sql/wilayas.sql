-- Current wilaya names in both languages (marts.dim_wilayas), for Arabic cluster pages.
select
    wilaya_id,
    wilaya_name_fr,
    wilaya_name_ar
from marts.dim_wilayas
where is_current
order by wilaya_id
