-- name: revenue
-- title: Gross takings, refunds and net revenue by period and currency
-- param: date_from   DATE -12m  first day included (UTC)
-- param: date_to     DATE today last day included (UTC)
-- param: granularity CHOICE(day|week|month) month length of a period (weeks start on Monday)
-- param: mode        CHOICE(air|rail|bus) - only reservations whose first trip is of this mode
-- column: period   DATE  first day of the period (a Monday for weeks)
-- column: currency TEXT  ISO 4217 currency of the money columns
-- column: gross    MONEY payments taken in the period
-- column: refunds  MONEY refunds paid in the period
-- column: net      MONEY gross - refunds
-- chart: line x=period y=net series=currency
-- example: date_from=2026-01-01 date_to=2026-06-30
--
-- Payments count in the period they were taken, refunds in the period they were paid, so a
-- period can have refunds without takings. Currencies are never added together. Payments are
-- read from the daily roll-up money_days, refunds from money_facts (both folded, like every
-- reporting table: see reporting_freshness).
WITH money_in_mode AS (
    SELECT
        day,
        currency,
        gross,
        0.00 AS refunds
    FROM money_days
    WHERE
        day >= %(date_from)s
        AND day <= %(date_to)s
        AND (%(mode)s IS NULL OR first_mode = %(mode)s)
    UNION ALL
    SELECT
        DATE(created_at) AS day,
        currency,
        0.00 AS gross,
        amount AS refunds
    FROM money_facts
    WHERE
        kind = 'refund'
        AND segment_no = 1  -- one row per refund, with its whole amount
        AND created_at >= %(date_from)s
        AND created_at < %(date_to)s + INTERVAL 1 DAY
        AND (%(mode)s IS NULL OR first_mode = %(mode)s)
),

periods AS (
    SELECT
        currency,
        gross,
        refunds,
        CASE %(granularity)s
            WHEN 'day' THEN day
            WHEN 'week' THEN day - INTERVAL WEEKDAY(day) DAY
            ELSE day - INTERVAL (DAYOFMONTH(day) - 1) DAY
        END AS period
    FROM money_in_mode
)

SELECT
    period,
    currency,
    SUM(gross) AS gross,
    SUM(refunds) AS refunds,
    SUM(gross) - SUM(refunds) AS net
FROM periods
GROUP BY period, currency
ORDER BY period, currency
