-- name: revenue_by_route
-- title: Net revenue by route and mode, per currency
-- param: date_from DATE -30d  first day included (UTC)
-- param: date_to   DATE today last day included (UTC)
-- column: origin_code      TEXT  station the route leaves from
-- column: destination_code TEXT  station the route arrives at
-- column: mode             TEXT  air, rail or bus
-- column: currency         TEXT  ISO 4217 currency of the money columns
-- column: gross            MONEY the route's share of payments taken in the range
-- column: refunds          MONEY the route's share of refunds paid in the range
-- column: net              MONEY gross - refunds
-- chart: barh x=origin_code,destination_code y=net series=currency
-- example: date_from=2026-01-01 date_to=2026-06-30
--
-- Payments and refunds dated in the range, each shared among the reservation's trips in
-- proportion to their seat prices (rounded to the cent per trip).
WITH routes AS (
    SELECT
        origin_station_id,
        destination_station_id,
        mode,
        currency,
        SUM(CASE WHEN kind = 'payment' THEN segment_share ELSE 0 END) AS gross,
        SUM(CASE WHEN kind = 'refund' THEN segment_share ELSE 0 END) AS refunds
    FROM money_facts
    WHERE
        created_at >= %(date_from)s
        AND created_at < %(date_to)s + INTERVAL 1 DAY
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
