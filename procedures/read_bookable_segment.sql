-- read_bookable_segment: one segment of a booking, read for create_reservation and purchase: the
-- fare class id, price, currency, seat prefix and departure of p_fare_class on trip p_trip_id,
-- and the hold setting, when the segment can be booked now: an active customer, a scheduled trip
-- not yet departed, the fare class sold on it. One read without a lock: a price never changes
-- once the trip is added, and a trip cancelled after the read is caught by the on_sale guard of
-- take_seats. Only when it finds nothing is the segment read again, to name the first thing
-- wrong in the order the contract gives: the customer (missing, disabled), then the trip
-- (missing, cancelled, departed), then the fare class.
-- Internal: runs inside the caller's transaction, which rolls back on the error.
-- Errors: NOT_FOUND (user, trip, fare class not sold on the trip), FORBIDDEN (user disabled),
--         INVALID_STATE (trip cancelled; or it became bookable between the two reads, a race
--         to try again), TOO_LATE (trip departed).
-- Locks: none (plain reads).
-- requires: raise_error
DROP PROCEDURE IF EXISTS read_bookable_segment;

DELIMITER $$

CREATE PROCEDURE read_bookable_segment (
    IN p_user_id BIGINT,
    IN p_trip_id BIGINT,
    IN p_fare_class VARCHAR(10),
    IN p_now DATETIME,
    OUT p_fare_class_id TINYINT,
    OUT p_price DECIMAL(12, 2),
    OUT p_currency CHAR(3),
    OUT p_seat_prefix CHAR(1),
    OUT p_departs DATETIME,
    OUT p_hold_minutes INT
)
READS SQL DATA
SQL SECURITY INVOKER
COMMENT 'Internal: reads a bookable segment, or signals why it cannot be booked'
BEGIN
    DECLARE v_user_status VARCHAR(10);
    DECLARE v_trip_status VARCHAR(10);
    DECLARE CONTINUE HANDLER FOR NOT FOUND BEGIN END;
    SELECT
        fc.fare_class_id,
        tf.price,
        tf.currency,
        fc.seat_prefix,
        t.departs_at,
        COALESCE(CAST(hs.setting_value AS UNSIGNED), 15) AS hold_minutes
    INTO p_fare_class_id, p_price, p_currency, p_seat_prefix, p_departs, p_hold_minutes
    FROM users AS u
    INNER JOIN trips AS t ON t.trip_id = p_trip_id
    INNER JOIN fare_classes AS fc ON fc.fare_class = p_fare_class
    INNER JOIN trip_fares AS tf ON t.trip_id = tf.trip_id AND fc.fare_class_id = tf.fare_class_id
    LEFT JOIN settings AS hs ON hs.setting_key = 'hold_minutes'
    WHERE
        u.user_id = p_user_id
        AND u.status = 'active'
        AND t.status = 'scheduled'
        AND t.departs_at > p_now;
    IF p_price IS NULL THEN
        SELECT
            u.status AS user_status,
            t.status AS trip_status,
            t.departs_at,
            tf.price
        INTO v_user_status, v_trip_status, p_departs, p_price
        FROM users AS u
        LEFT JOIN trips AS t ON t.trip_id = p_trip_id
        LEFT JOIN fare_classes AS fc ON fc.fare_class = p_fare_class
        LEFT JOIN trip_fares AS tf ON t.trip_id = tf.trip_id AND fc.fare_class_id = tf.fare_class_id
        WHERE u.user_id = p_user_id;
        IF v_user_status IS NULL THEN
            CALL raise_error(50002, 'user does not exist');
        ELSEIF v_user_status <> 'active' THEN
            CALL raise_error(50007, 'user account is disabled');
        ELSEIF v_trip_status IS NULL THEN
            CALL raise_error(50002, 'trip does not exist');
        ELSEIF v_trip_status = 'cancelled' THEN
            CALL raise_error(50004, 'trip is cancelled');
        ELSEIF v_trip_status = 'departed' OR p_departs <= p_now THEN
            CALL raise_error(50008, 'trip has already departed');
        ELSEIF p_price IS NULL THEN
            CALL raise_error(50002, 'fare class is not sold on this trip');
        END IF;
        CALL raise_error(50004, 'the trip or the account changed during the booking; try again');
    END IF;
END$$

DELIMITER ;
