-- name: reservation_trends
-- title: Reservations made per day, with a 7-day moving average and week-over-week change
-- param: date_from DATE 2026-01-01 first day included (UTC)
-- param: date_to   DATE 2026-06-30 last day included (UTC; at most 900 days after date_from)
--
-- Every day of the range appears, days without bookings as 0. reservations counts every
-- reservation created that day, whatever became of it. moving_avg_7d averages the day and
-- the six before it; wow_change_pct compares with the same weekday a week earlier (NULL when
-- that day had none).
WITH RECURSIVE calendar AS (
    SELECT %(date_from)s - INTERVAL 7 DAY AS day
    UNION ALL
    SELECT day + INTERVAL 1 DAY AS day
    FROM calendar
    WHERE day < %(date_to)s
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
