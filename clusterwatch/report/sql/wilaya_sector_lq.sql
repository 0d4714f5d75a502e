-- Location quotient of each wilaya x sector (marts.fct_wilaya_sector_specialisation).
select
    wilaya_id,
    wilaya_name_fr,
    wilaya_name_ar,
    sector_id,
    sector_name_fr,
    sector_name_ar,
    establishment_count,
    employee_count,
    location_quotient,
    is_strong_cluster
from marts.fct_wilaya_sector_specialisation
order by wilaya_id, sector_id
