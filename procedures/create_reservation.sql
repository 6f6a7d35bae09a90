-- create_reservation: holds one seat per passenger on every segment, all or nothing, until
-- now + hold_minutes. p_segments: [{"trip_id": 1, "fare_class": "economy"}, ...] (1 to 4
-- distinct trips); p_passengers: [{"full_name": "Ada Lovelace", "birth_date": "1990-12-10"}, ...]
-- (1 to 9; birth_date optional). Returns the new reservation id; it gets a unique booking_ref.
-- Errors: INVALID_ARGUMENT (malformed JSON, counts out of range, a trip twice, unknown fare
--         class, bad name or birth date, fares in different currencies), NOT_FOUND (user, trip,
--         or fare class not sold on the trip), FORBIDDEN (user disabled), INVALID_STATE (trip
--         cancelled), TOO_LATE (trip departed), SOLD_OUT (a segment lacks seats).
-- Concurrency:
--   1. the segments' trips are read LOCK IN SHARE MODE, so cancel_trip (which takes the trip
--      row exclusively) cannot slip between this check and the hold;
--   2. inventory is one guarded UPDATE per fare (held + sold + n <= capacity, checked with
--      ROW_COUNT()), never read-then-write; the CHECK ck_trip_fares_seats is the backstop;
--   3. fares are locked in ascending (trip_id, fare_class_id) order, whatever order the
--      customer listed them in, so A+B and B+A bookings cannot deadlock each other; and before
--      the segment rows are inserted, whose foreign keys would otherwise take S locks on the
--      fares first (two sessions holding S and both wanting X deadlock);
--   4. when a fare looks full, lapsed holds on it are reclaimed in this transaction
--      (reclaim_expired_holds, SKIP LOCKED) and the update retried once: expired holds are
--      free at once, not when the event next runs.
-- requires: raise_error, reclaim_expired_holds
DROP PROCEDURE IF EXISTS create_reservation;

DELIMITER $$

CREATE PROCEDURE create_reservation (
    IN p_user_id BIGINT,
    IN p_segments JSON,
    IN p_passengers JSON,
    OUT p_reservation_id BIGINT
)
MODIFIES SQL DATA
SQL SECURITY DEFINER
COMMENT 'Holds seats for passengers on 1-4 trips; returns the reservation id'
BEGIN
    DECLARE v_now DATETIME DEFAULT UTC_TIMESTAMP();
    DECLARE v_segment_count INT;
    DECLARE v_passenger_count INT;
    DECLARE v_index INT DEFAULT 0;
    DECLARE v_item JSON;
    DECLARE v_user_status VARCHAR(10);
    DECLARE v_trips INT;
    DECLARE v_found_trips INT;
    DECLARE v_cancelled INT;
    DECLARE v_departed INT;
    DECLARE v_first_departs DATETIME;
    DECLARE v_fares INT;
    DECLARE v_currencies INT;
    DECLARE v_currency CHAR(3);
    DECLARE v_hold_minutes INT;
    DECLARE v_expires DATETIME;
    DECLARE v_booking_ref CHAR(6);
    DECLARE v_ref_taken INT DEFAULT 1;
    DECLARE v_attempts INT DEFAULT 0;
    DECLARE v_trip_id BIGINT;
    DECLARE v_fare_class_id TINYINT;
    DECLARE v_done INT DEFAULT 0;
    -- The requested fares in lock order (ascending trip_id, fare_class_id), whatever the order
    -- the customer listed them in.
    DECLARE c_fares CURSOR FOR
        SELECT
            j.trip_id,
            fc.fare_class_id
        FROM
            JSON_TABLE(
                p_segments, '$[*]' COLUMNS (trip_id BIGINT PATH '$.trip_id', fare_class VARCHAR(10) PATH '$.fare_class')
            ) AS j
        INNER JOIN fare_classes AS fc ON j.fare_class = fc.fare_class
        ORDER BY j.trip_id, fc.fare_class_id;
    DECLARE CONTINUE HANDLER FOR NOT FOUND SET v_done = 1;
    DECLARE EXIT HANDLER FOR SQLEXCEPTION
    BEGIN
        ROLLBACK;
        SET p_reservation_id = NULL;
        RESIGNAL;
    END;

    -- Validate the request before touching anything.
    IF p_segments IS NULL OR NOT JSON_VALID(p_segments) OR JSON_TYPE(p_segments) <> 'ARRAY' THEN
        CALL raise_error(50001, 'segments must be a JSON array');
    ELSEIF p_passengers IS NULL OR NOT JSON_VALID(p_passengers) OR JSON_TYPE(p_passengers) <> 'ARRAY' THEN
        CALL raise_error(50001, 'passengers must be a JSON array');
    END IF;
    SET v_segment_count = JSON_LENGTH(p_segments);
    SET v_passenger_count = JSON_LENGTH(p_passengers);
    IF v_segment_count NOT BETWEEN 1 AND 4 THEN
        CALL raise_error(50001, 'a reservation has one to four segments');
    ELSEIF v_passenger_count NOT BETWEEN 1 AND 9 THEN
        CALL raise_error(50001, 'a reservation has one to nine passengers');
    END IF;
    WHILE v_index < v_segment_count DO
        SET v_item = JSON_EXTRACT(p_segments, CONCAT('$[', v_index, ']'));
        IF
            JSON_TYPE(v_item) <> 'OBJECT'
            OR COALESCE(JSON_TYPE(JSON_EXTRACT(v_item, '$.trip_id')), '') NOT IN ('INTEGER', 'UNSIGNED INTEGER')
            OR COALESCE(JSON_TYPE(JSON_EXTRACT(v_item, '$.fare_class')), '') <> 'STRING' THEN
            CALL raise_error(50001, 'each segment needs an integer trip_id and a fare_class name');
        ELSEIF JSON_UNQUOTE(JSON_EXTRACT(v_item, '$.fare_class')) NOT IN (
            'economy', 'premium', 'business', 'first'
        ) THEN
            CALL raise_error(50001, 'unknown fare class name');
        END IF;
        SET v_index = v_index + 1;
    END WHILE;
    SET v_index = 0;
    WHILE v_index < v_passenger_count DO
        SET v_item = JSON_EXTRACT(p_passengers, CONCAT('$[', v_index, ']'));
        IF
            JSON_TYPE(v_item) <> 'OBJECT'
            OR COALESCE(JSON_TYPE(JSON_EXTRACT(v_item, '$.full_name')), '') <> 'STRING'
            OR CHAR_LENGTH(TRIM(JSON_UNQUOTE(JSON_EXTRACT(v_item, '$.full_name')))) NOT BETWEEN 1 AND 200 THEN
            CALL raise_error(50001, 'each passenger needs a full_name of 1 to 200 characters');
        ELSEIF
            COALESCE(JSON_TYPE(JSON_EXTRACT(v_item, '$.birth_date')), 'NULL') NOT IN ('NULL', 'STRING')
            OR (
                JSON_TYPE(JSON_EXTRACT(v_item, '$.birth_date')) = 'STRING'
                AND COALESCE(
                    JSON_UNQUOTE(JSON_EXTRACT(v_item, '$.birth_date')) NOT REGEXP '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'
                    OR DATE(JSON_UNQUOTE(JSON_EXTRACT(v_item, '$.birth_date')))
                    <> JSON_UNQUOTE(JSON_EXTRACT(v_item, '$.birth_date'))
                    OR DATE(JSON_UNQUOTE(JSON_EXTRACT(v_item, '$.birth_date'))) > DATE(v_now),
                    1
                )
            ) THEN
            CALL raise_error(50001, 'birth_date must be a real past date written YYYY-MM-DD');
        END IF;
        SET v_index = v_index + 1;
    END WHILE;
    SELECT COUNT(DISTINCT j.trip_id) AS trips
    INTO v_trips
    FROM JSON_TABLE(p_segments, '$[*]' COLUMNS (trip_id BIGINT PATH '$.trip_id')) AS j;
    IF v_trips <> v_segment_count THEN
        CALL raise_error(50001, 'a trip appears twice in the segments');
    END IF;

    SELECT status INTO v_user_status FROM users
    WHERE user_id = p_user_id;
    IF v_user_status IS NULL THEN
        CALL raise_error(50002, 'user does not exist');
    ELSEIF v_user_status <> 'active' THEN
        CALL raise_error(50007, 'user account is disabled');
    END IF;
    SELECT CAST(setting_value AS UNSIGNED) INTO v_hold_minutes FROM settings
    WHERE setting_key = 'hold_minutes';
    SET v_expires = v_now + INTERVAL COALESCE(v_hold_minutes, 15) MINUTE;

    -- READ COMMITTED: reads see what other sessions committed and searches take no gap locks.
    -- SET TRANSACTION needs no transaction open; START TRANSACTION would end one anyway.
    COMMIT;
    SET TRANSACTION ISOLATION LEVEL READ COMMITTED;
    START TRANSACTION;

    SELECT
        COUNT(*) AS found_trips,
        COALESCE(SUM(t.status = 'cancelled'), 0) AS cancelled,
        COALESCE(SUM(t.status = 'departed' OR t.departs_at <= v_now), 0) AS departed,
        MIN(t.departs_at) AS first_departs
    INTO v_found_trips, v_cancelled, v_departed, v_first_departs
    FROM trips AS t
    WHERE
        t.trip_id IN (
            SELECT j.trip_id FROM JSON_TABLE(p_segments, '$[*]' COLUMNS (trip_id BIGINT PATH '$.trip_id')) AS j
        )
    LOCK IN SHARE MODE;
    IF v_found_trips <> v_segment_count THEN
        CALL raise_error(50002, 'trip does not exist');
    ELSEIF v_cancelled > 0 THEN
        CALL raise_error(50004, 'trip is cancelled');
    ELSEIF v_departed > 0 THEN
        CALL raise_error(50008, 'trip has already departed');
    END IF;

    SELECT
        COUNT(*) AS fares,
        COUNT(DISTINCT f.currency) AS currencies,
        MIN(f.currency) AS currency
    INTO v_fares, v_currencies, v_currency
    FROM
        JSON_TABLE(
            p_segments, '$[*]' COLUMNS (trip_id BIGINT PATH '$.trip_id', fare_class VARCHAR(10) PATH '$.fare_class')
        ) AS j
    INNER JOIN fare_classes AS fc ON j.fare_class = fc.fare_class
    INNER JOIN trip_fares AS f ON j.trip_id = f.trip_id AND fc.fare_class_id = f.fare_class_id;
    IF v_fares <> v_segment_count THEN
        CALL raise_error(50002, 'fare class is not sold on this trip');
    ELSEIF v_currencies <> 1 THEN
        CALL raise_error(50001, 'segments are priced in different currencies');
    END IF;

    -- Seats first: the fare rows are then ours (X) before the segment inserts check their
    -- foreign keys against them (an S lock), so two bookings never both hold S and wait for X.
    -- an earlier SELECT ... INTO that found no row set v_done through the NOT FOUND handler
    SET v_done = 0;
    OPEN c_fares;
    fares: LOOP
        FETCH c_fares INTO v_trip_id, v_fare_class_id;
        IF v_done THEN
            LEAVE fares;
        END IF;
        UPDATE trip_fares
        SET seats_held = seats_held + v_passenger_count
        WHERE
            trip_id = v_trip_id
            AND fare_class_id = v_fare_class_id
            AND seats_held + seats_sold + v_passenger_count <= capacity;
        IF ROW_COUNT() = 0 THEN
            CALL reclaim_expired_holds(v_trip_id, v_fare_class_id, v_now);
            UPDATE trip_fares
            SET seats_held = seats_held + v_passenger_count
            WHERE
                trip_id = v_trip_id
                AND fare_class_id = v_fare_class_id
                AND seats_held + seats_sold + v_passenger_count <= capacity;
            IF ROW_COUNT() = 0 THEN
                CALL raise_error(50003, CONCAT('not enough seats left on trip ', v_trip_id));
            END IF;
        END IF;
    END LOOP;
    CLOSE c_fares;

    -- A random reference; on the rare collision with uq_reservations_booking_ref, try another.
    WHILE v_ref_taken = 1 AND v_attempts < 10 DO
        SET v_ref_taken = 0;
        SET v_attempts = v_attempts + 1;
        SET v_booking_ref = '';
        WHILE CHAR_LENGTH(v_booking_ref) < 6 DO
            SET v_booking_ref = CONCAT(
                v_booking_ref, SUBSTRING('ABCDEFGHJKLMNPQRSTUVWXYZ23456789', 1 + FLOOR(RAND() * 32), 1)
            );
        END WHILE;
        BEGIN
            DECLARE CONTINUE HANDLER FOR 1062 SET v_ref_taken = 1;
            INSERT INTO reservations (
                booking_ref, user_id, status, total_amount, currency, expires_at, first_departs_at, created_at
            )
            VALUES (v_booking_ref, p_user_id, 'held', 0, v_currency, v_expires, v_first_departs, v_now);
        END;
    END WHILE;
    IF v_ref_taken = 1 THEN
        CALL raise_error(50005, 'could not allocate a unique booking reference; try again');
    END IF;
    SET p_reservation_id = LAST_INSERT_ID();

    INSERT INTO reservation_segments (
        reservation_id, segment_no, trip_id, fare_class_id, unit_price, seats, held_until, created_at
    )
    SELECT
        p_reservation_id AS reservation_id,
        j.segment_no,
        j.trip_id,
        fc.fare_class_id,
        f.price,
        v_passenger_count AS seats,
        v_expires AS held_until,
        v_now AS created_at
    FROM
        JSON_TABLE(
            p_segments, '$[*]' COLUMNS (
                segment_no FOR ORDINALITY,
                trip_id BIGINT PATH '$.trip_id',
                fare_class VARCHAR(10) PATH '$.fare_class'
            )
        ) AS j
    INNER JOIN fare_classes AS fc ON j.fare_class = fc.fare_class
    INNER JOIN trip_fares AS f ON j.trip_id = f.trip_id AND fc.fare_class_id = f.fare_class_id;

    INSERT INTO passengers (reservation_id, passenger_no, full_name, birth_date, created_at)
    SELECT
        p_reservation_id AS reservation_id,
        j.passenger_no,
        TRIM(j.full_name) AS full_name,
        j.birth_date,
        v_now AS created_at
    FROM JSON_TABLE(
        p_passengers, '$[*]' COLUMNS (
            passenger_no FOR ORDINALITY,
            full_name VARCHAR(200) PATH '$.full_name',
            birth_date DATE PATH '$.birth_date'
        )
    ) AS j;

    UPDATE reservations
    SET
        total_amount = v_passenger_count * (
            SELECT SUM(s.unit_price) FROM reservation_segments AS s
            WHERE s.reservation_id = p_reservation_id
        )
    WHERE reservation_id = p_reservation_id;

    COMMIT;
END$$

DELIMITER ;
