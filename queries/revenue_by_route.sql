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
-- proportion to their seat prices (rounded to the cent per trip). Payments come from the day
-- roll-up route_days (V0050), those the fold has not cleared yet from money_facts; refunds
-- from money_facts through its index by kind and refunded_later (about 1 row in 13).
WITH rolled_up AS (
    SELECT
        origin_station_id,
        destination_station_id,
        mode,
        currency,
        gross,
        0.00 AS refunds
    FROM route_days
    WHERE
        day >= %(date_from)s
        AND day <= %(date_to)s
),

pending AS (
    SELECT STRAIGHT_JOIN  -- the few pending reservations first, never the range's facts
        mf.origin_station_id,
        mf.destination_station_id,
        mf.mode,
        mf.currency,
        mf.segment_share AS gross,
        0.00 AS refunds
    FROM reservations AS r
    INNER JOIN money_facts AS mf ON r.reservation_id = mf.reservation_id
    WHERE
        r.facts_pending = 1
        AND mf.kind = 'payment'
        AND mf.created_at >= %(date_from)s
        AND mf.created_at < %(date_to)s + INTERVAL 1 DAY
),

refunds AS (
    SELECT
        origin_station_id,
        destination_station_id,
        mode,
        currency,
        0.00 AS gross,
        segment_share AS refunds
    FROM money_facts
    WHERE
        kind = 'refund'
        AND refunded_later = 0  -- always, for a refund (integrity_violations checks it): the index's range
        AND created_at >= %(date_from)s
        AND created_at < %(date_to)s + INTERVAL 1 DAY
),

parts AS (
    SELECT
        origin_station_id,
        destination_station_id,
        mode,
        currency,
        gross,
        refunds
    FROM rolled_up
    UNION ALL
    SELECT
        origin_station_id,
        destination_station_id,
        mode,
        currency,
        gross,
        refunds
    FROM pending
    UNION ALL
    SELECT
        origin_station_id,
        destination_station_id,
        mode,
        currency,
        gross,
        refunds
    FROM refunds
),

routes AS (
    SELECT
        origin_station_id,
        destination_station_id,
        mode,
        currency,
        SUM(gross) AS gross,
        SUM(refunds) AS refunds
    FROM parts
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
