-- name: active_users
-- title: Active users (logged in or booked) per period, with average daily actives
-- param: date_from   DATE -12m  first day included (UTC)
-- param: date_to     DATE today last day included (UTC)
-- param: granularity CHOICE(day|week|month) month length of a period (weeks start on Monday)
-- column: period           DATE    first day of the period (a Monday for weeks)
-- column: active_users     INT     distinct users who logged in successfully or created a reservation in the period
-- column: avg_daily_active DECIMAL daily active users averaged over the period's days inside the range
-- column: stickiness_pct   DECIMAL avg_daily_active as a percentage of active_users (DAU/MAU for months)
-- chart: line x=period y=active_users
-- example: date_from=2026-01-01 date_to=2026-06-30
--
-- active_users: distinct users who logged in successfully or created a reservation in the
-- period. avg_daily_active: daily actives averaged over the period's days within the range;
-- stickiness_pct = avg_daily_active / active_users (DAU/MAU for months). Reads
-- user_activity_days, one row per user and active day: by month through its index by month
-- and user (V0051: the rows come grouped, no sort), by day or week in the order of days
-- (monthly is one branch, daily_or_weekly the other; the one not taken has an impossible WHERE).
WITH monthly AS (
    SELECT
        month AS period,
        COUNT(DISTINCT user_id) AS active_users,
        COUNT(*) AS user_days
    FROM user_activity_days
    WHERE
        %(granularity)s NOT IN ('day', 'week')
        AND month >= %(date_from)s - INTERVAL (DAYOFMONTH(%(date_from)s) - 1) DAY
        AND month <= %(date_to)s
        AND day BETWEEN %(date_from)s AND %(date_to)s
    GROUP BY month
),

dated AS (
    SELECT
        user_id,
        CASE %(granularity)s
            WHEN 'day' THEN day
            ELSE day - INTERVAL WEEKDAY(day) DAY
        END AS period
    FROM user_activity_days
    WHERE
        %(granularity)s IN ('day', 'week')
        AND day BETWEEN %(date_from)s AND %(date_to)s
),

daily_or_weekly AS (
    SELECT
        period,
        COUNT(DISTINCT user_id) AS active_users,
        COUNT(*) AS user_days
    FROM dated
    GROUP BY period
),

counted AS (
    SELECT
        period,
        active_users,
        user_days
    FROM monthly
    UNION ALL
    SELECT
        period,
        active_users,
        user_days
    FROM daily_or_weekly
),

periods AS (
    SELECT
        period,
        active_users,
        user_days,
        CASE %(granularity)s
            WHEN 'day' THEN period
            WHEN 'week' THEN period + INTERVAL 6 DAY
            ELSE LAST_DAY(period)
        END AS period_end
    FROM counted
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
