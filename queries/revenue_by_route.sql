-- name: revenue_by_route
-- title: Net revenue by route and mode, per currency
-- param: date_from DATE 2026-01-01 first day included (UTC)
-- param: date_to   DATE 2026-12-31 last day included (UTC)
--
-- Payments and refunds dated in the range, each shared among the reservation's trips in
-- proportion to their seat prices (rounded to the cent per trip).
WITH money AS (
    SELECT
        reservation_id,
        amount AS gross,
        0 AS refunds
    FROM payments
    WHERE
        created_at >= %(date_from)s
        AND created_at < %(date_to)s + INTERVAL 1 DAY
    UNION ALL
    SELECT
        reservation_id,
        0 AS gross,
        amount AS refunds
    FROM refunds
    WHERE
        created_at >= %(date_from)s
        AND created_at < %(date_to)s + INTERVAL 1 DAY
),

shared AS (
    SELECT
        t.origin_station_id,
        t.destination_station_id,
        t.mode,
        r.currency,
        ROUND(m.gross * s.unit_price * s.seats / r.total_amount, 2) AS gross,
        ROUND(m.refunds * s.unit_price * s.seats / r.total_amount, 2) AS refunds
    FROM money AS m
    INNER JOIN reservations AS r ON m.reservation_id = r.reservation_id
    INNER JOIN reservation_segments AS s ON m.reservation_id = s.reservation_id
    INNER JOIN trips AS t ON s.trip_id = t.trip_id
    WHERE r.total_amount > 0
),

routes AS (
    SELECT
        origin_station_id,
        destination_station_id,
        mode,
        currency,
        SUM(gross) AS gross,
        SUM(refunds) AS refunds
    FROM shared
    GROUP BY origin_station_id, destination_station_id, mode, currency
)

SELECT
    o.code AS origin_code,
    d.code AS destination_code,
    r.mode,
    r.currency,
    r.gross,
    r.refunds,
    r.gross - r.refunds AS net
FROM routes AS r
INNER JOIN stations AS o ON r.origin_station_id = o.station_id
INNER JOIN stations AS d ON r.destination_station_id = d.station_id
ORDER BY r.currency ASC, net DESC, o.code ASC, d.code ASC
