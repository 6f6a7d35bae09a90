-- name: cohort_retention
-- title: Signup cohorts: share of users booking in each month after signing up
-- param: date_from DATE -12m  first signup day included (UTC)
-- param: date_to   DATE today last day observed (UTC)
-- column: cohort        DATE    signup month (its first day)
-- column: users         INT     users who signed up that month
-- column: month_offset  INT     months after signing up (0 = the signup month)
-- column: bookers       INT     users of the cohort who created a reservation that month
-- column: retention_pct DECIMAL bookers as a percentage of users
-- chart: line x=month_offset y=retention_pct series=cohort
-- example: date_from=2026-01-01 date_to=2026-06-30
--
-- One row per cohort (signup month) and month offset (0 = the signup month), up to the month
-- of date_to and at most 11 months out; bookers are users who created a reservation in that
-- month (any outcome).
WITH RECURSIVE offsets AS (
    SELECT 0 AS month_offset
    UNION ALL
    SELECT month_offset + 1 AS month_offset
    FROM offsets
    WHERE month_offset < 11
),

cohort_users AS (
    SELECT
        user_id,
        DATE(created_at) - INTERVAL (DAYOFMONTH(created_at) - 1) DAY AS cohort
    FROM users
    WHERE
        created_at >= %(date_from)s
        AND created_at < %(date_to)s + INTERVAL 1 DAY
),

cohorts AS (
    SELECT
        cohort,
        COUNT(*) AS users
    FROM cohort_users
    GROUP BY cohort
),

bookings AS (
    SELECT
        cu.cohort,
        cu.user_id,
        PERIOD_DIFF(EXTRACT(YEAR_MONTH FROM r.created_at), EXTRACT(YEAR_MONTH FROM cu.cohort)) AS month_offset
    FROM cohort_users AS cu
    INNER JOIN reservations AS r ON cu.user_id = r.user_id
    WHERE r.created_at < %(date_to)s + INTERVAL 1 DAY
),

-- Counted per cohort and month before the grid joins them (a join of the grid to every
-- (cohort, user, month) row read them once per cohort: 78 x 33,000 rows over a year), and
-- with COUNT(DISTINCT) rather than a DISTINCT of the rows first (a temporary table of 317,000
-- keys over a year; sorting the 490,000 rows by cohort and month is cheaper).
booker_counts AS (
    SELECT
        cohort,
        month_offset,
        COUNT(DISTINCT user_id) AS bookers
    FROM bookings
    GROUP BY cohort, month_offset
),

grid AS (
    SELECT
        c.cohort,
        c.users,
        o.month_offset
    FROM cohorts AS c
    CROSS JOIN offsets AS o
    WHERE c.cohort + INTERVAL o.month_offset MONTH <= %(date_to)s
)

SELECT
    g.cohort,
    g.users,
    g.month_offset,
    COALESCE(b.bookers, 0) AS bookers,
    CAST(100 * COALESCE(b.bookers, 0) / g.users AS DECIMAL(5, 1)) AS retention_pct
FROM grid AS g
LEFT JOIN booker_counts AS b ON g.cohort = b.cohort AND g.month_offset = b.month_offset
ORDER BY g.cohort, g.month_offset
