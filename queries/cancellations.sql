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
WITH grouped AS (
    SELECT
        mode,
        INTERVAL(lead_days, 2, 8, 31) AS lead_bucket,
        currency,
        COUNT(*) AS reservations,
        SUM(status = 'cancelled') AS cancelled,
        SUM(paid) AS paid,
        SUM(refunded) AS refunded
    FROM booking_facts
    WHERE
        created_at >= %(date_from)s
        AND created_at < %(date_to)s + INTERVAL 1 DAY
        AND status <> 'expired'
    GROUP BY mode, INTERVAL(lead_days, 2, 8, 31), currency
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
