-- bench/whatif/lean_booking.sql with the guarantees that cost one statement or call each put
-- back: the input checks (check_booking_request, check_payment_request), the trusted clock
-- (utc_now), the session resets and the READ COMMITTED switch; the status-history triggers and
-- the reporting fold are left as they are. Still one segment of economy and one passenger, no
-- guard conditions, replay path, request hash or reclaim of lapsed holds; purchase the same, sold
-- at once with its payment (no key row). A measuring stick for bench/booking.py,
-- bench/booking_cpu.py and bench/booking_ab.py (--apply), for their scratch databases only.
DROP PROCEDURE IF EXISTS create_reservation;
DROP PROCEDURE IF EXISTS pay_reservation;
DROP PROCEDURE IF EXISTS purchase;
DELIMITER $$
CREATE PROCEDURE create_reservation (
    IN p_user_id BIGINT, IN p_segments JSON, IN p_passengers JSON, OUT p_reservation_id BIGINT
)
MODIFIES SQL DATA SQL SECURITY DEFINER
BEGIN
    DECLARE v_trip_id BIGINT DEFAULT JSON_EXTRACT(p_segments, '$[0].trip_id');
    DECLARE v_price DECIMAL(12, 2);
    DECLARE v_departs DATETIME;
    DECLARE v_now DATETIME DEFAULT utc_now();
    DECLARE v_segment_count INT;
    DECLARE v_passenger_count INT;
    DECLARE v_trip_ids JSON;
    DECLARE EXIT HANDLER FOR SQLEXCEPTION BEGIN ROLLBACK; RESIGNAL; END;
    CALL check_booking_request(p_segments, p_passengers, v_now, v_segment_count, v_passenger_count, v_trip_ids);
    SET foreign_key_checks = 1, unique_checks = 1, insert_id = 0;
    COMMIT;
    SET TRANSACTION ISOLATION LEVEL READ COMMITTED;
    START TRANSACTION;
    SELECT
        tf.price,
        t.departs_at
    INTO v_price,
    v_departs FROM trips AS t INNER JOIN trip_fares AS tf ON t.trip_id = tf.trip_id AND tf.fare_class_id = 1
    WHERE t.trip_id = v_trip_id;
    taken: LOOP
        BEGIN
            DECLARE CONTINUE HANDLER FOR 1062 BEGIN END;
            INSERT INTO reservations (
                booking_ref, user_id, status, total_amount, currency, expires_at, first_departs_at, created_at
            )
            VALUES (
                LPAD(RIGHT(CONV(HEX(RANDOM_BYTES(5)), 16, 36), 6), 6, '0'),
                p_user_id,
                'held',
                v_price,
                'EUR',
                v_now + INTERVAL 15 MINUTE,
                v_departs,
                v_now
            );
            IF ROW_COUNT() > 0 THEN LEAVE taken; END IF;
        END;
    END LOOP;
    SET p_reservation_id = LAST_INSERT_ID();
    INSERT INTO passengers (reservation_id, passenger_no, full_name, created_at) VALUES (
        p_reservation_id, 1, JSON_UNQUOTE(JSON_EXTRACT(p_passengers, '$[0].full_name')), v_now
    );
    UPDATE trip_fares SET seats_held = seats_held + 1
    WHERE trip_id = v_trip_id AND fare_class_id = 1 AND seats_held + seats_sold + 1 <= capacity;
    INSERT INTO reservation_segments (
        reservation_id, segment_no, trip_id, fare_class_id, unit_price, seats, held_until, created_at
    )
    VALUES (p_reservation_id, 1, v_trip_id, 1, v_price, 1, v_now + INTERVAL 15 MINUTE, v_now);
    COMMIT;
END$$
CREATE PROCEDURE pay_reservation (
    IN p_reservation_id BIGINT,
    IN p_user_id BIGINT,
    IN p_amount DECIMAL(12, 2),
    IN p_currency CHAR(3),
    IN p_method VARCHAR(20),
    IN p_idempotency_key VARCHAR(64),
    OUT p_payment_id BIGINT
)
MODIFIES SQL DATA SQL SECURITY DEFINER
BEGIN
    DECLARE v_trip_id BIGINT;
    DECLARE v_last_seat INT;
    DECLARE v_now DATETIME DEFAULT utc_now();
    DECLARE EXIT HANDLER FOR SQLEXCEPTION BEGIN ROLLBACK; RESIGNAL; END;
    CALL check_payment_request(p_amount, p_currency, p_method, p_idempotency_key);
    SET foreign_key_checks = 1, unique_checks = 1, insert_id = 0;
    COMMIT;
    SET TRANSACTION ISOLATION LEVEL READ COMMITTED;
    START TRANSACTION;
    UPDATE reservations SET status = 'confirmed'
    WHERE reservation_id = p_reservation_id AND status = 'held';
    INSERT INTO payments (reservation_id, amount, currency, method, idempotency_key, request_hash, created_at)
    VALUES (p_reservation_id, p_amount, p_currency, p_method, p_idempotency_key, '', v_now);
    SET p_payment_id = LAST_INSERT_ID();
    SELECT trip_id INTO v_trip_id FROM reservation_segments
    WHERE reservation_id = p_reservation_id;
    UPDATE trip_fares SET
        seats_held = seats_held - 1, seats_sold = seats_sold + 1, seats_issued = LAST_INSERT_ID(seats_issued + 1)
    WHERE trip_id = v_trip_id AND fare_class_id = 1;
    SET v_last_seat = LAST_INSERT_ID();
    INSERT INTO tickets (ticket_number, reservation_id, passenger_id, trip_id, seat_no, created_at)
    SELECT
        CONCAT(LPAD(p_reservation_id, 10, '0'), 1, '01') AS ticket_number,
        p.reservation_id,
        p.passenger_id,
        v_trip_id AS trip_id,
        CONCAT('E', v_last_seat) AS seat_no,
        v_now AS created_at
    FROM passengers AS p
    WHERE p.reservation_id = p_reservation_id;
    UPDATE reservation_segments SET held_until = NULL
    WHERE reservation_id = p_reservation_id;
    COMMIT;
END$$
CREATE PROCEDURE purchase (  -- noqa: CP03
    IN p_user_id BIGINT,
    IN p_segments JSON,
    IN p_passengers JSON,
    IN p_amount DECIMAL(12, 2),
    IN p_currency CHAR(3),
    IN p_method VARCHAR(20),
    IN p_idempotency_key VARCHAR(64),
    OUT p_reservation_id BIGINT,
    OUT p_payment_id BIGINT
)
MODIFIES SQL DATA SQL SECURITY DEFINER
BEGIN
    DECLARE v_trip_id BIGINT DEFAULT JSON_EXTRACT(p_segments, '$[0].trip_id');
    DECLARE v_price DECIMAL(12, 2);
    DECLARE v_departs DATETIME;
    DECLARE v_last_seat INT;
    DECLARE v_now DATETIME DEFAULT utc_now();
    DECLARE v_segment_count INT;
    DECLARE v_passenger_count INT;
    DECLARE v_trip_ids JSON;
    DECLARE EXIT HANDLER FOR SQLEXCEPTION BEGIN ROLLBACK; RESIGNAL; END;
    CALL check_payment_request(p_amount, p_currency, p_method, p_idempotency_key);
    CALL check_booking_request(p_segments, p_passengers, v_now, v_segment_count, v_passenger_count, v_trip_ids);
    SET foreign_key_checks = 1, unique_checks = 1, insert_id = 0;
    COMMIT;
    SET TRANSACTION ISOLATION LEVEL READ COMMITTED;
    START TRANSACTION;
    SELECT
        tf.price,
        t.departs_at
    INTO v_price,
    v_departs FROM trips AS t INNER JOIN trip_fares AS tf ON t.trip_id = tf.trip_id AND tf.fare_class_id = 1
    WHERE t.trip_id = v_trip_id;
    taken: LOOP
        BEGIN
            DECLARE CONTINUE HANDLER FOR 1062 BEGIN END;
            INSERT INTO reservations (
                booking_ref, user_id, status, total_amount, currency, expires_at, first_departs_at, created_at
            )
            VALUES (
                LPAD(RIGHT(CONV(HEX(RANDOM_BYTES(5)), 16, 36), 6), 6, '0'),
                p_user_id,
                'confirmed',
                v_price,
                'EUR',
                v_now,
                v_departs,
                v_now
            );
            IF ROW_COUNT() > 0 THEN LEAVE taken; END IF;
        END;
    END LOOP;
    SET p_reservation_id = LAST_INSERT_ID();
    INSERT INTO passengers (reservation_id, passenger_no, full_name, created_at) VALUES (
        p_reservation_id, 1, JSON_UNQUOTE(JSON_EXTRACT(p_passengers, '$[0].full_name')), v_now
    );
    INSERT INTO payments (reservation_id, amount, currency, method, idempotency_key, request_hash, created_at)
    VALUES (p_reservation_id, p_amount, p_currency, p_method, p_idempotency_key, '', v_now);
    SET p_payment_id = LAST_INSERT_ID();
    UPDATE trip_fares SET seats_sold = seats_sold + 1, seats_issued = LAST_INSERT_ID(seats_issued + 1)
    WHERE trip_id = v_trip_id AND fare_class_id = 1 AND seats_held + seats_sold + 1 <= capacity;
    SET v_last_seat = LAST_INSERT_ID();
    INSERT INTO reservation_segments (
        reservation_id, segment_no, trip_id, fare_class_id, unit_price, seats, held_until, created_at
    )
    VALUES (p_reservation_id, 1, v_trip_id, 1, v_price, 1, NULL, v_now);
    INSERT INTO tickets (ticket_number, reservation_id, passenger_id, trip_id, seat_no, created_at)
    SELECT
        CONCAT(LPAD(p_reservation_id, 10, '0'), 1, '01') AS ticket_number,
        p.reservation_id,
        p.passenger_id,
        v_trip_id AS trip_id,
        CONCAT('E', v_last_seat) AS seat_no,
        v_now AS created_at
    FROM passengers AS p
    WHERE p.reservation_id = p_reservation_id;
    COMMIT;
END$$
DELIMITER ;
