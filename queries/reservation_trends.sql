-- name: reservation_trends
-- title: Reservations made per day, with a 7-day moving average and week-over-week change
-- param: date_from DATE -90d  first day included (UTC)
-- param: date_to   DATE today last day included (UTC)
-- column: day            DATE    the day (every day of the range appears)
-- column: reservations   INT     reservations created that day, whatever became of them
-- column: moving_avg_7d  DECIMAL average of the day and the six before it
-- column: wow_change_pct DECIMAL change against the same weekday a week earlier (empty when that day had none)
-- chart: line x=day y=reservations,moving_avg_7d
-- example: date_from=2026-01-01 date_to=2026-06-30
--
-- Every day of the range appears, days without bookings as 0. reservations counts every
-- reservation created that day, whatever became of it. moving_avg_7d averages the day and
-- the six before it; wow_change_pct compares with the same weekday a week earlier (NULL when
-- that day had none).
WITH RECURSIVE digits AS (
    SELECT 0 AS digit
    UNION ALL
    SELECT digit + 1 AS digit
    FROM digits
    WHERE digit < 9
),

offsets AS (
    SELECT ones.digit + 10 * tens.digit + 100 * hundreds.digit AS day_offset
    FROM digits AS ones
    CROSS JOIN digits AS tens
    CROSS JOIN digits AS hundreds
),

-- The calendar is built from 1,000-day blocks (one recursion step per block) times the offsets
-- 0..999, so any range up to a million days stays far below the servers' 1,000-step recursion
-- limit (MariaDB stops there silently, MySQL with an error).
blocks AS (
    SELECT 0 AS block_no
    UNION ALL
    SELECT block_no + 1 AS block_no
    FROM blocks
    WHERE block_no < (DATEDIFF(%(date_to)s, %(date_from)s) + 7) DIV 1000
),

calendar AS (
    SELECT CAST(%(date_from)s AS DATE) - INTERVAL 7 DAY + INTERVAL (b.block_no * 1000 + o.day_offset) DAY AS day
    FROM blocks AS b
    CROSS JOIN offsets AS o
    WHERE b.block_no * 1000 + o.day_offset <= DATEDIFF(%(date_to)s, %(date_from)s) + 7
),

daily AS (
    SELECT
        DATE(created_at) AS day,
        COUNT(*) AS reservations
    FROM reservations
    WHERE
        created_at >= %(date_from)s - INTERVAL 7 DAY
        AND created_at < %(date_to)s + INTERVAL 1 DAY
    GROUP BY DATE(created_at)
),

series AS (
    SELECT
        c.day,
        COALESCE(d.reservations, 0) AS reservations
    FROM calendar AS c
    LEFT JOIN daily AS d ON c.day = d.day
),

windowed AS (
    SELECT
        day,
        reservations,
        AVG(reservations) OVER (ORDER BY day ROWS BETWEEN 6 PRECEDING AND CURRENT ROW) AS moving_avg_7d,
        LAG(reservations, 7) OVER (ORDER BY day) AS week_before
    FROM series
)

SELECT
    day,
    reservations,
    CAST(moving_avg_7d AS DECIMAL(10, 2)) AS moving_avg_7d,
    CAST(100 * (reservations - week_before) / NULLIF(week_before, 0) AS DECIMAL(10, 1)) AS wow_change_pct
FROM windowed
WHERE day >= %(date_from)s
ORDER BY day
