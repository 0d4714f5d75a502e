{#-
    A calendar (date spine) in pure SQL (generate_series; no dbt packages here), from
    1 January of the earliest year in the data (publication dates, company creation
    dates, trade years) to 31 December of the later of the latest year and today's.
    Month and day names in French and in Algerian Arabic (جانفي، فيفري، ...).
    Weekend: Friday and Saturday since 14 August 2009, Thursday and Friday before
    (the change of the official weekend; date to verify).
-#}
with

articles as (
    select * from {{ ref('stg_news__articles') }}
),

companies as (
    select * from {{ ref('stg_registry__companies') }}
),

fct_trade_flows as (
    -- The mart, not the union view: a scan of one table, not of every raw trade row.
    select * from {{ ref('fct_trade_flows') }}
),

years_in_data as (
    select extract(year from {{ local_date('published_at') }})::integer as data_year
    from articles
    union all
    select extract(year from creation_date)::integer
    from companies
    union all
    select trade_year
    from fct_trade_flows
    union all
    select extract(year from current_date)::integer
),

spine_bounds as (
    select
        make_date(min(data_year), 1, 1) as first_day,
        make_date(max(data_year), 12, 31) as last_day
    from years_in_data
    where data_year is not null
),

days as (
    select generated.day_value::date as date_day
    from spine_bounds
    cross join lateral generate_series(
        spine_bounds.first_day, spine_bounds.last_day, interval '1 day'
    ) as generated (day_value)
),

days_described as (
    select
        date_day,
        date_trunc('month', date_day)::date as calendar_month,
        extract(year from date_day)::integer as year_number,
        extract(quarter from date_day)::integer as quarter_number,
        extract(month from date_day)::integer as month_number,
        extract(day from date_day)::integer as day_of_month_number,
        extract(isodow from date_day)::integer as iso_day_of_week_number,
        extract(week from date_day)::integer as iso_week_number,
        (array[
            'janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet',
            'août', 'septembre', 'octobre', 'novembre', 'décembre'
        ])[extract(month from date_day)::integer] as month_name_fr,
        (array[
            'جانفي', 'فيفري', 'مارس', 'أفريل', 'ماي', 'جوان', 'جويلية', 'أوت',
            'سبتمبر', 'أكتوبر', 'نوفمبر', 'ديسمبر'
        ])[extract(month from date_day)::integer] as month_name_ar,
        (array[
            'lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi', 'samedi', 'dimanche'
        ])[extract(isodow from date_day)::integer] as day_name_fr,
        (array[
            'الاثنين', 'الثلاثاء', 'الأربعاء', 'الخميس', 'الجمعة', 'السبت', 'الأحد'
        ])[extract(isodow from date_day)::integer] as day_name_ar,
        case
            when date_day >= date '2009-08-14'
                then extract(isodow from date_day) in (5, 6)
            else extract(isodow from date_day) in (4, 5)
        end as is_weekend
    from days
)

select * from days_described
