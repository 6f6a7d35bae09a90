-- name: booking_lead_time
-- title: How far ahead customers book: paid reservations by days before departure
-- param: date_from DATE -30d  first booking day included (UTC)
-- param: date_to   DATE today last booking day included (UTC)
-- param: mode      CHOICE(air|rail|bus) - only reservations whose first trip is of this mode
-- column: lead_days      TEXT    days between booking and first departure (a bucket: 0, 1, 2-3, ... 61+)
-- column: reservations   INT     paid reservations booked that far ahead
-- column: share_pct      DECIMAL the bucket's share of all paid reservations in the range
-- column: cumulative_pct DECIMAL share booked at most this far ahead
-- chart: bar x=lead_days y=reservations
-- example: date_from=2026-01-01 date_to=2026-06-30
--
-- Every bucket appears, empty ones as 0. Days are calendar days between the booking and the
-- first departure. Only reservations that were paid count (held-and-lapsed ones are not
-- bookings); later cancellations still count. Read from the day roll-up booking_days (V0050).
WITH RECURSIVE buckets AS (
    SELECT
        1 AS bucket_no,
        0 AS min_days
    UNION ALL
    SELECT
        bucket_no + 1 AS bucket_no,
        ELT(bucket_no, 1, 2, 4, 8, 15, 31, 61) AS min_days
    FROM buckets
    WHERE bucket_no < 8
),

ranges AS (
    SELECT
        bucket_no,
        min_days,
        LEAD(min_days) OVER (ORDER BY bucket_no) - 1 AS max_days
    FROM buckets
),

-- Paid reservations by bucket (INTERVAL() gives 0..7): those the fold has cleared from the day
-- roll-up booking_days (V0050), the few it has not from booking_facts.
rolled_up AS (
    SELECT
        lead_bucket + 1 AS bucket_no,
        reservations
    FROM booking_days
    WHERE
        day >= %(date_from)s
        AND day <= %(date_to)s
        AND (%(mode)s IS NULL OR mode = %(mode)s)
),

pending AS (
    SELECT STRAIGHT_JOIN  -- the few pending reservations first, never the range's facts
        INTERVAL(bf.lead_days, 1, 2, 4, 8, 15, 31, 61) + 1 AS bucket_no,
        1 AS reservations
    FROM reservations AS r
    INNER JOIN booking_facts AS bf ON r.reservation_id = bf.reservation_id
    WHERE
        r.facts_pending = 1
        AND bf.created_at >= %(date_from)s
        AND bf.created_at < %(date_to)s + INTERVAL 1 DAY
        AND bf.paid > 0
        AND (%(mode)s IS NULL OR bf.mode = %(mode)s)
),

paid_rows AS (
    SELECT
        bucket_no,
        reservations
    FROM rolled_up
    UNION ALL
    SELECT
        bucket_no,
        reservations
    FROM pending
),

paid_bookings AS (
    SELECT
        bucket_no,
        SUM(reservations) AS reservations
    FROM paid_rows
    GROUP BY bucket_no
),

counted AS (
    SELECT
        b.bucket_no,
        CASE
            WHEN b.max_days IS NULL THEN CONCAT(b.min_days, '+')
            WHEN b.max_days = b.min_days THEN CAST(b.min_days AS CHAR)
            ELSE CONCAT(b.min_days, '-', b.max_days)
        END AS lead_days,
        COALESCE(p.reservations, 0) AS reservations
    FROM ranges AS b
    LEFT JOIN paid_bookings AS p ON b.bucket_no = p.bucket_no
)

SELECT
    lead_days,
    reservations,
    CAST(100 * reservations / NULLIF(SUM(reservations) OVER (), 0) AS DECIMAL(5, 1)) AS share_pct,
    CAST(
        100 * SUM(reservations) OVER (ORDER BY bucket_no) / NULLIF(SUM(reservations) OVER (), 0) AS DECIMAL(5, 1)
    ) AS cumulative_pct
FROM counted
ORDER BY bucket_no
