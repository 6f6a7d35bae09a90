-- reservation_facts: one row per reservation with what reports ask of it: the mode and route
-- of its first trip, its passengers, and the money taken and refunded. A building block for
-- saved reports (cancellations, conversion, booking_lead_time, top_customers). facts_pending:
-- 1 while the reporting fold has this reservation still to visit (schema/V0030).
CREATE OR REPLACE SQL SECURITY INVOKER VIEW reservation_facts AS
SELECT
    r.reservation_id,
    r.user_id,
    r.status,
    r.currency,
    r.total_amount,
    r.created_at,
    r.first_departs_at,
    t.mode,
    t.origin_station_id,
    t.destination_station_id,
    s.seats AS passengers,
    DATEDIFF(r.first_departs_at, r.created_at) AS lead_days,
    (
        SELECT COALESCE(SUM(pay.amount), 0)
        FROM payments AS pay
        WHERE pay.reservation_id = r.reservation_id
    ) AS paid,
    (
        SELECT COALESCE(SUM(ref.amount), 0)
        FROM refunds AS ref
        WHERE ref.reservation_id = r.reservation_id
    ) AS refunded,
    r.facts_pending
FROM reservations AS r
INNER JOIN reservation_segments AS s ON r.reservation_id = s.reservation_id AND s.segment_no = 1
INNER JOIN trips AS t ON s.trip_id = t.trip_id;
