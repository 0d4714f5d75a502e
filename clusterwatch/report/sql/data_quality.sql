-- Validations per dataset and day over the last 60 days with data.
with

latest as (
    select max(fct_data_quality_daily.validation_date) as validation_date
    from marts.fct_data_quality_daily
)

select
    fct_data_quality_daily.dataset,
    fct_data_quality_daily.validation_date,
    fct_data_quality_daily.validation_count,
    fct_data_quality_daily.failed_validation_count,
    fct_data_quality_daily.validation_with_warnings_count,
    fct_data_quality_daily.quarantined_batch_count,
    fct_data_quality_daily.rows_checked,
    fct_data_quality_daily.alert_count
from marts.fct_data_quality_daily
cross join latest
where fct_data_quality_daily.validation_date > latest.validation_date - 60
order by fct_data_quality_daily.validation_date, fct_data_quality_daily.dataset
