-- name: revenue
-- title: Gross takings, refunds and net revenue by period and currency
-- param: date_from   DATE 2026-01-01 first day included (UTC)
-- param: date_to     DATE 2026-12-31 last day included (UTC)
-- param: granularity CHOICE(day|week|month) month length of a period (weeks start on Monday)
-- param: mode        CHOICE(air|rail|bus) - only reservations whose first trip is of this mode
--
-- Payments count in the period they were taken, refunds in the period they were paid, so a
-- period can have refunds without takings. Currencies are never added together.
WITH money AS (
    SELECT
        pay.created_at AS happened_at,
        pay.currency,
        pay.amount AS gross,
        0 AS refunds,
        pay.reservation_id
    FROM payments AS pay
    WHERE
        pay.created_at >= %(date_from)s
        AND pay.created_at < %(date_to)s + INTERVAL 1 DAY
    UNION ALL
    SELECT
        ref.created_at AS happened_at,
        ref.currency,
        0 AS gross,
        ref.amount AS refunds,
        ref.reservation_id
    FROM refunds AS ref
    WHERE
        ref.created_at >= %(date_from)s
        AND ref.created_at < %(date_to)s + INTERVAL 1 DAY
),

money_in_mode AS (
    SELECT
        m.happened_at,
        m.currency,
        m.gross,
        m.refunds
    FROM money AS m
    INNER JOIN reservation_segments AS s ON m.reservation_id = s.reservation_id AND s.segment_no = 1
    INNER JOIN trips AS t ON s.trip_id = t.trip_id
    WHERE %(mode)s IS NULL OR t.mode = %(mode)s
),

periods AS (
    SELECT
        currency,
        gross,
        refunds,
        CASE %(granularity)s
            WHEN 'day' THEN DATE(happened_at)
            WHEN 'week' THEN DATE(happened_at) - INTERVAL WEEKDAY(happened_at) DAY
            ELSE DATE(happened_at) - INTERVAL (DAYOFMONTH(happened_at) - 1) DAY
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
