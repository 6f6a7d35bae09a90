-- name: load_factor
-- title: Seats sold against capacity by carrier and route
-- param: date_from DATE -30d  first departure day included (UTC)
-- param: date_to   DATE today last departure day included (UTC)
-- param: mode      CHOICE(air|rail|bus) - only trips of this mode
-- column: mode             TEXT    air, rail or bus
-- column: carrier_code     TEXT    the carrier
-- column: origin_code      TEXT    station the route leaves from
-- column: destination_code TEXT    station the route arrives at
-- column: trips            INT     trips departing in the range (cancelled ones left out)
-- column: capacity         INT     seats offered on them, every fare class
-- column: seats_sold       INT     seats sold (active tickets)
-- column: load_factor_pct  DECIMAL seats_sold as a percentage of capacity
-- chart: barh x=carrier_code,origin_code,destination_code y=load_factor_pct
-- example: date_from=2026-01-01 date_to=2026-06-30
--
-- Cancelled trips are left out (they sell nothing). Reads the inventory counters of
-- trip_fares, which integrity_violations keeps equal to the active tickets.
WITH fares AS (
    SELECT
        t.mode,
        t.carrier_id,
        t.origin_station_id,
        t.destination_station_id,
        t.trip_id,
        f.capacity,
        f.seats_sold
    FROM trips AS t
    INNER JOIN trip_fares AS f ON t.trip_id = f.trip_id
    WHERE
        t.departs_at >= %(date_from)s
        AND t.departs_at < %(date_to)s + INTERVAL 1 DAY
        AND t.status <> 'cancelled'
        AND (%(mode)s IS NULL OR t.mode = %(mode)s)
),

routes AS (
    SELECT
        mode,
        carrier_id,
        origin_station_id,
        destination_station_id,
        COUNT(DISTINCT trip_id) AS trips,
        SUM(capacity) AS capacity,
        SUM(seats_sold) AS seats_sold
    FROM fares
    GROUP BY mode, carrier_id, origin_station_id, destination_station_id
)

SELECT
    r.mode,
    c.code AS carrier_code,
    o.code AS origin_code,
    d.code AS destination_code,
    r.trips,
    r.capacity,
    r.seats_sold,
    CAST(100 * r.seats_sold / r.capacity AS DECIMAL(5, 1)) AS load_factor_pct
FROM routes AS r
INNER JOIN carriers AS c ON r.carrier_id = c.carrier_id
INNER JOIN stations AS o ON r.origin_station_id = o.station_id
INNER JOIN stations AS d ON r.destination_station_id = d.station_id
ORDER BY load_factor_pct DESC, c.code ASC, o.code ASC, d.code ASC
