-- name: cancellations
-- title: Cancellation and refund rates and amounts by mode and booking lead time
-- param: date_from DATE -30d  first booking day included (UTC)
-- param: date_to   DATE today last booking day included (UTC)
-- column: mode             TEXT    air, rail or bus (of the first trip)
-- column: lead_time        TEXT    days between booking and first departure (0-1, 2-7, 8-30, 31+)
-- column: currency         TEXT    ISO 4217 currency of the money columns
-- column: reservations     INT     reservations made in the range (lapsed holds left out)
-- column: cancelled        INT     of those, cancelled by the customer or the carrier
-- column: cancellation_pct DECIMAL cancelled as a percentage of reservations
-- column: paid             MONEY   payments taken for them
-- column: refunded         MONEY   refunds paid for them
-- column: refund_pct       DECIMAL refunded as a percentage of paid
-- chart: bar x=mode,lead_time y=cancellation_pct series=currency
-- example: date_from=2026-01-01 date_to=2026-06-30
--
-- Reservations made in the range, except lapsed holds (never real bookings), grouped by the
-- mode of their first trip and the days between booking and departure. Cancellations by the
-- customer and by the carrier both count. Money per currency, never added across.
-- Paid reservations come from the day roll-up booking_days (V0050; what it holds of one never
-- changes), those the fold has not cleared yet from booking_facts; held, cancelled (paid or
-- not, with their refunds) from booking_facts through its status index: a fifth of the rows.
WITH rolled_up_paid AS (
    SELECT
        mode,
        lead_bucket DIV 2 AS lead_bucket,  -- booking_lead_time's eight buckets, two by two
        currency,
        reservations,
        0 AS cancelled,
        paid,
        0.00 AS refunded
    FROM booking_days
    WHERE
        day >= %(date_from)s
        AND day <= %(date_to)s
),

pending_paid AS (
    SELECT STRAIGHT_JOIN  -- the few pending reservations first, never the range's facts
        bf.mode,
        INTERVAL(bf.lead_days, 2, 8, 31) AS lead_bucket,
        bf.currency,
        1 AS reservations,
        0 AS cancelled,
        bf.paid,
        0.00 AS refunded
    FROM reservations AS r
    INNER JOIN booking_facts AS bf ON r.reservation_id = bf.reservation_id
    WHERE
        r.facts_pending = 1
        AND bf.created_at >= %(date_from)s
        AND bf.created_at < %(date_to)s + INTERVAL 1 DAY
        AND bf.paid > 0
),

held_or_cancelled AS (
    SELECT
        mode,
        INTERVAL(lead_days, 2, 8, 31) AS lead_bucket,
        currency,
        paid = 0 AS reservations,  -- a paid one is counted above
        status = 'cancelled' AS cancelled,
        0.00 AS paid,
        refunded
    FROM booking_facts
    WHERE
        status IN ('held', 'cancelled')
        AND created_at >= %(date_from)s
        AND created_at < %(date_to)s + INTERVAL 1 DAY
),

parts AS (
    SELECT
        mode,
        lead_bucket,
        currency,
        reservations,
        cancelled,
        paid,
        refunded
    FROM rolled_up_paid
    UNION ALL
    SELECT
        mode,
        lead_bucket,
        currency,
        reservations,
        cancelled,
        paid,
        refunded
    FROM pending_paid
    UNION ALL
    SELECT
        mode,
        lead_bucket,
        currency,
        reservations,
        cancelled,
        paid,
        refunded
    FROM held_or_cancelled
),

grouped AS (
    SELECT
        mode,
        lead_bucket,
        currency,
        SUM(reservations) AS reservations,
        SUM(cancelled) AS cancelled,
        SUM(paid) AS paid,
        SUM(refunded) AS refunded
    FROM parts
    GROUP BY mode, lead_bucket, currency
)

SELECT
    mode,
    ELT(lead_bucket + 1, '0-1 days', '2-7 days', '8-30 days', '31+ days') AS lead_time,
    currency,
    reservations,
    cancelled,
    CAST(100 * cancelled / reservations AS DECIMAL(5, 1)) AS cancellation_pct,
    paid,
    refunded,
    CAST(100 * refunded / NULLIF(paid, 0) AS DECIMAL(5, 1)) AS refund_pct
FROM grouped
ORDER BY mode, lead_bucket, currency
