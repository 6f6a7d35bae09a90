-- name: active_users
-- title: Active users (logged in or booked) per period, with average daily actives
-- param: date_from   DATE 2026-01-01 first day included (UTC)
-- param: date_to     DATE 2026-12-31 last day included (UTC)
-- param: granularity CHOICE(day|week|month) month length of a period (weeks start on Monday)
--
-- active_users: distinct users who logged in successfully or created a reservation in the
-- period. avg_daily_active: daily actives averaged over the period's days within the range;
-- stickiness_pct = avg_daily_active / active_users (DAU/MAU for months). Reads
-- user_activity_days, one row per user and active day.
WITH dated AS (
    SELECT
        user_id,
        day,
        CASE %(granularity)s
            WHEN 'day' THEN day
            WHEN 'week' THEN day - INTERVAL WEEKDAY(day) DAY
            ELSE day - INTERVAL (DAYOFMONTH(day) - 1) DAY
        END AS period
    FROM user_activity_days
    WHERE day BETWEEN %(date_from)s AND %(date_to)s
),

periods AS (
    SELECT
        period,
        COUNT(DISTINCT user_id) AS active_users,
        COUNT(*) AS user_days,
        CASE %(granularity)s
            WHEN 'day' THEN period
            WHEN 'week' THEN period + INTERVAL 6 DAY
            ELSE LAST_DAY(period)
        END AS period_end
    FROM dated
    GROUP BY period
)

SELECT
    period,
    active_users,
    CAST(
        user_days / (DATEDIFF(LEAST(period_end, %(date_to)s), GREATEST(period, %(date_from)s)) + 1)
        AS DECIMAL(12, 2)
    ) AS avg_daily_active,
    CAST(
        100 * user_days / (DATEDIFF(LEAST(period_end, %(date_to)s), GREATEST(period, %(date_from)s)) + 1)
        / active_users AS DECIMAL(5, 1)
    ) AS stickiness_pct
FROM periods
ORDER BY period
