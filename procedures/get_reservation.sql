-- get_reservation: one reservation of the caller, as four result sets:
-- 1. the reservation: reservation_id, booking_ref, user_id, status, total_amount, currency,
--    created_at, expires_at, first_departs_at;
-- 2. its segments: segment_no, trip_id, mode, carrier_code, service_number, origin_code,
--    destination_code, departs_at, arrives_at, trip_status, fare_class, unit_price, seats;
-- 3. its passengers and tickets: passenger_id, passenger_no, full_name, birth_date, ticket_id,
--    ticket_number, trip_id, seat_no, ticket_status (ticket columns NULL before payment);
-- 4. its money: kind (payment or refund), id, amount, currency, method, created_at.
-- Errors: NOT_FOUND (no such reservation, or not the caller's).
-- Locks: none: plain reads.
-- requires: raise_error
DROP PROCEDURE IF EXISTS get_reservation;

DELIMITER $$

CREATE PROCEDURE get_reservation (IN p_reservation_id BIGINT, IN p_user_id BIGINT)
READS SQL DATA
SQL SECURITY DEFINER
COMMENT 'A reservation with its segments, passengers, tickets, payments and refunds'
BEGIN
    DECLARE v_owner BIGINT;

    SELECT user_id INTO v_owner FROM reservations
    WHERE reservation_id = p_reservation_id;
    IF v_owner IS NULL OR p_user_id IS NULL OR v_owner <> p_user_id THEN
        CALL raise_error(50002, 'reservation does not exist');
    END IF;

    SELECT
        reservation_id,
        booking_ref,
        user_id,
        status,
        total_amount,
        currency,
        created_at,
        expires_at,
        first_departs_at
    FROM reservations
    WHERE reservation_id = p_reservation_id;

    SELECT
        s.segment_no,
        s.trip_id,
        t.mode,
        c.code AS carrier_code,
        t.service_number,
        o.code AS origin_code,
        d.code AS destination_code,
        t.departs_at,
        t.arrives_at,
        t.status AS trip_status,
        fc.fare_class,
        s.unit_price,
        s.seats
    FROM reservation_segments AS s
    INNER JOIN trips AS t ON s.trip_id = t.trip_id
    INNER JOIN carriers AS c ON t.carrier_id = c.carrier_id
    INNER JOIN stations AS o ON t.origin_station_id = o.station_id
    INNER JOIN stations AS d ON t.destination_station_id = d.station_id
    INNER JOIN fare_classes AS fc ON s.fare_class_id = fc.fare_class_id
    WHERE s.reservation_id = p_reservation_id
    ORDER BY s.segment_no;

    SELECT
        p.passenger_id,
        p.passenger_no,
        p.full_name,
        p.birth_date,
        tk.ticket_id,
        tk.ticket_number,
        tk.trip_id,
        tk.seat_no,
        tk.status AS ticket_status
    FROM passengers AS p
    LEFT JOIN tickets AS tk ON p.passenger_id = tk.passenger_id
    LEFT JOIN reservation_segments AS s ON tk.reservation_id = s.reservation_id AND tk.trip_id = s.trip_id
    WHERE p.reservation_id = p_reservation_id
    ORDER BY p.passenger_no, s.segment_no, tk.ticket_id;

    SELECT
        'payment' AS kind,
        payment_id AS id,
        amount,
        currency,
        method,
        created_at
    FROM payments
    WHERE reservation_id = p_reservation_id
    UNION ALL
    SELECT
        'refund' AS kind,
        refund_id AS id,
        amount,
        currency,
        NULL AS method,
        created_at
    FROM refunds
    WHERE reservation_id = p_reservation_id
    ORDER BY created_at, kind, id;
END$$

DELIMITER ;
