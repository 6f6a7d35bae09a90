-- name: cancellations
-- title: Cancellation and refund rates and amounts by mode and booking lead time
-- param: date_from DATE 2026-01-01 first booking day included (UTC)
-- param: date_to   DATE 2026-12-31 last booking day included (UTC)
--
-- Reservations made in the range, except lapsed holds (never real bookings), grouped by the
-- mode of their first trip and the days between booking and departure. Cancellations by the
-- customer and by the carrier both count. Money per currency, never added across.
-- requires: reservation_facts
WITH bookings AS (
    SELECT
        mode,
        currency,
        status,
        paid,
        refunded,
        CASE
            WHEN lead_days < 2 THEN '0-1 days'
            WHEN lead_days < 8 THEN '2-7 days'
            WHEN lead_days < 31 THEN '8-30 days'
            ELSE '31+ days'
        END AS lead_time
    FROM reservation_facts
    WHERE
        created_at >= %(date_from)s
        AND created_at < %(date_to)s + INTERVAL 1 DAY
        AND status <> 'expired'
)

SELECT
    mode,
    lead_time,
    currency,
    COUNT(*) AS reservations,
    SUM(status = 'cancelled') AS cancelled,
    CAST(100 * SUM(status = 'cancelled') / COUNT(*) AS DECIMAL(5, 1)) AS cancellation_pct,
    SUM(paid) AS paid,
    SUM(refunded) AS refunded,
    CAST(100 * SUM(refunded) / NULLIF(SUM(paid), 0) AS DECIMAL(5, 1)) AS refund_pct
FROM bookings
GROUP BY mode, lead_time, currency
ORDER BY mode, CAST(lead_time AS UNSIGNED), currency
