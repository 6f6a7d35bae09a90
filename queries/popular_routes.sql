-- name: popular_routes
-- title: Routes ranked by passengers travelling (active tickets)
-- param: date_from DATE -30d  first departure day included (UTC)
-- param: date_to   DATE today last departure day included (UTC)
-- param: mode      CHOICE(air|rail|bus) - only trips of this mode
-- param: limit     INT 10 how many routes
-- column: origin_code      TEXT station the route leaves from
-- column: destination_code TEXT station the route arrives at
-- column: mode             TEXT air, rail or bus
-- column: passengers       INT  active tickets on trips departing in the range
-- column: reservations     INT  confirmed reservations holding those tickets
-- chart: barh x=origin_code,destination_code y=passengers
-- example: date_from=2026-01-01 date_to=2026-06-30
WITH active_tickets AS (
    SELECT
        t.origin_station_id,
        t.destination_station_id,
        t.mode,
        tk.reservation_id
    FROM trips AS t
    INNER JOIN tickets AS tk ON t.trip_id = tk.trip_id
    WHERE
        t.departs_at >= %(date_from)s
        AND t.departs_at < %(date_to)s + INTERVAL 1 DAY
        AND (%(mode)s IS NULL OR t.mode = %(mode)s)
        AND tk.status = 'active'
),

routes AS (
    SELECT
        origin_station_id,
        destination_station_id,
        mode,
        COUNT(*) AS passengers,
        COUNT(DISTINCT reservation_id) AS reservations
    FROM active_tickets
    GROUP BY origin_station_id, destination_station_id, mode
)

SELECT
    o.code AS origin_code,
    d.code AS destination_code,
    r.mode,
    r.passengers,
    r.reservations
FROM routes AS r
INNER JOIN stations AS o ON r.origin_station_id = o.station_id
INNER JOIN stations AS d ON r.destination_station_id = d.station_id
ORDER BY r.passengers DESC, r.reservations DESC, o.code ASC, d.code ASC
LIMIT %(limit)s
