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
-- period can have refunds without takings. Currencies are never added together.
WITH money_in_mode AS (
    SELECT
        created_at,
        currency,
        CASE WHEN kind = 'payment' THEN amount ELSE 0 END AS gross,
        CASE WHEN kind = 'refund' THEN amount ELSE 0 END AS refunds
    FROM money_facts
    WHERE
        created_at >= %(date_from)s
        AND created_at < %(date_to)s + INTERVAL 1 DAY
        AND segment_no = 1  -- one row per payment or refund, with its whole amount
        AND (%(mode)s IS NULL OR first_mode = %(mode)s)
),

periods AS (
    SELECT
        currency,
        gross,
        refunds,
        CASE %(granularity)s
            WHEN 'day' THEN DATE(created_at)
            WHEN 'week' THEN DATE(created_at) - INTERVAL WEEKDAY(created_at) DAY
            ELSE DATE(created_at) - INTERVAL (DAYOFMONTH(created_at) - 1) DAY
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
