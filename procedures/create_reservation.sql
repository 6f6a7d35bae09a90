-- create_reservation: holds one seat per passenger on every segment, all or nothing, until
-- now + hold_minutes. p_segments: [{"trip_id": 1, "fare_class": "economy"}, ...] (1 to 4
-- distinct trips); p_passengers: [{"full_name": "Ada Lovelace", "birth_date": "1990-12-10"}, ...]
-- (1 to 9; birth_date optional). Returns the new reservation id; it gets a unique booking_ref.
-- Errors: INVALID_ARGUMENT (malformed JSON, counts out of range, a trip twice, unknown fare
--         class, bad name or birth date, fares in different currencies), NOT_FOUND (user, trip,
--         or fare class not sold on the trip), FORBIDDEN (user disabled), INVALID_STATE (trip
--         cancelled), TOO_LATE (trip departed), SOLD_OUT (a segment lacks seats).
-- Concurrency:
--   1. each trip and its price are read in one statement without a lock: nothing changes a
--      price once the trip is added, and a trip cancelled after the read is caught by the
--      fare's on_sale guard (2), so cancel_trip meets bookings only on the fare rows (no trip
--      lock to wait on or deadlock with). The reservation, its passengers and (one segment) its
--      segment are written before the fare is locked: a fare row is locked only from its seat
--      update to the commit, which bounds bookings of one busy trip;
--   2. inventory is one guarded UPDATE per fare (take_seats: on sale and held + sold + n <=
--      capacity, checked with ROW_COUNT()), never read-then-write; the CHECK
--      ck_trip_fares_seats is the backstop. cancel_trip clears on_sale on the same rows, so on
--      Galera a booking and a cancel on two nodes write a common row and certification lets
--      only one commit. When a fare looks full, take_seats reclaims its lapsed holds in this
--      transaction and tries once more;
--   3. fares are locked in ascending trip_id order, whatever order the customer listed them
--      in, so A+B and B+A bookings cannot deadlock each other. A segment locks no fare (it has
--      no foreign key to trip_fares since V0054, which integrity_violations stands in for):
--      with one, two bookings of a trip would each hold S on the fare and wait for X.
-- Cost: the usual booking has one segment and one passenger and takes the short way: one test
-- of the request, one read of the bookable case, the reservation and its passenger, the seat
-- update and the segment, written out here because each CALL with its parameters costs about
-- what a statement on a table does (bench/booking_ab.py: these and pay_reservation's own test
-- took 196 us off a hold+pay of 1,855); check_booking_request (which names what
-- is wrong with a request), read_bookable_segment (which names the error), insert_reservation
-- (which draws another booking reference) and take_seats (which reclaims lapsed holds) run
-- only when these find nothing. Several segments are read by read_bookable_segments and
-- held by take_seats, their variables declared in their own block so that the usual booking
-- does not pay for them.
-- requires: check_booking_request, read_bookable_segment, read_bookable_segments
-- requires: insert_reservation, new_booking_ref, take_seats, utc_now
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
    DECLARE v_now DATETIME DEFAULT utc_now();
    DECLARE v_segment_count INT;
    DECLARE v_passenger_count INT;
    DECLARE v_trip_ids JSON;
    DECLARE v_trip_id BIGINT;
    DECLARE v_fare_class VARCHAR(10);
    DECLARE v_fare_class_id TINYINT;
    DECLARE v_price DECIMAL(12, 2);
    DECLARE v_currency CHAR(3);
    DECLARE v_seat_prefix CHAR(1);
    DECLARE v_departs DATETIME;
    DECLARE v_hold_minutes INT;
    DECLARE v_expires DATETIME;
    DECLARE v_no_seat_numbers INT;
    DECLARE EXIT HANDLER FOR SQLEXCEPTION
    BEGIN
        ROLLBACK;
        SET p_reservation_id = NULL;
        RESIGNAL;
    END;

    -- The caller's session reaches in here: switch back on the checks this procedure relies on,
    -- and let auto-increment choose the keys (SET insert_id could pick a key near the maximum).
    SET foreign_key_checks = 1, unique_checks = 1, insert_id = 0;

    -- Validate the request before touching anything. The usual request (one segment, one
    -- passenger, no birth date) passes this one test, a subset of check_booking_request's, as
    -- purchase's does; anything else, valid or not, goes to check_booking_request, which
    -- names what is wrong. JSON_VALID comes first: AND stops at the first false, so nothing
    -- after it reads malformed text.
    IF
        JSON_VALID(p_segments) AND JSON_VALID(p_passengers)
        AND JSON_TYPE(p_segments) = 'ARRAY' AND JSON_LENGTH(p_segments) = 1
        AND JSON_TYPE(p_passengers) = 'ARRAY' AND JSON_LENGTH(p_passengers) = 1
        AND JSON_TYPE(JSON_EXTRACT(p_segments, '$[0]')) = 'OBJECT'
        AND JSON_TYPE(JSON_EXTRACT(p_segments, '$[0].trip_id')) IN ('INTEGER', 'UNSIGNED INTEGER')
        AND CAST(JSON_EXTRACT(p_segments, '$[0].trip_id') AS CHAR) REGEXP '^[1-9][0-9]{0,17}$'
        AND JSON_TYPE(JSON_EXTRACT(p_segments, '$[0].fare_class')) = 'STRING'
        AND JSON_UNQUOTE(JSON_EXTRACT(p_segments, '$[0].fare_class')) IN ('economy', 'premium', 'business', 'first')
        AND JSON_TYPE(JSON_EXTRACT(p_passengers, '$[0]')) = 'OBJECT'
        AND JSON_TYPE(JSON_EXTRACT(p_passengers, '$[0].full_name')) = 'STRING'
        AND CHAR_LENGTH(TRIM(JSON_UNQUOTE(JSON_EXTRACT(p_passengers, '$[0].full_name')))) > 0
        AND CHAR_LENGTH(JSON_UNQUOTE(JSON_EXTRACT(p_passengers, '$[0].full_name'))) <= 200
        AND COALESCE(JSON_TYPE(JSON_EXTRACT(p_passengers, '$[0].birth_date')), 'NULL') = 'NULL'
    THEN
        SET
        v_segment_count = 1, v_passenger_count = 1, v_trip_ids = JSON_ARRAY(JSON_EXTRACT(p_segments, '$[0].trip_id'));
    ELSE
        CALL check_booking_request(p_segments, p_passengers, v_now, v_segment_count, v_passenger_count, v_trip_ids);
    END IF;

    -- READ COMMITTED: reads see what other sessions committed and searches take no gap locks.
    -- SET TRANSACTION needs no transaction open; START TRANSACTION would end one anyway.
    COMMIT;
    SET TRANSACTION ISOLATION LEVEL READ COMMITTED;
    START TRANSACTION;

    IF v_segment_count = 1 THEN
        -- The short way of the usual booking (Cost, above).
        SET v_trip_id = JSON_EXTRACT(v_trip_ids, '$[0]');
        SET v_fare_class = JSON_UNQUOTE(JSON_EXTRACT(p_segments, '$[0].fare_class'));
        -- The bookable case, as read_bookable_segment reads it; that procedure names the error.
        SELECT
            fc.fare_class_id,
            tf.price,
            tf.currency,
            t.departs_at,
            v_now + INTERVAL COALESCE(CAST(hs.setting_value AS UNSIGNED), 15) MINUTE AS expires_at
        INTO v_fare_class_id, v_price, v_currency, v_departs, v_expires
        FROM users AS u
        INNER JOIN trips AS t ON t.trip_id = v_trip_id
        INNER JOIN fare_classes AS fc ON fc.fare_class = v_fare_class
        INNER JOIN trip_fares AS tf ON t.trip_id = tf.trip_id AND fc.fare_class_id = tf.fare_class_id
        LEFT JOIN settings AS hs ON hs.setting_key = 'hold_minutes'
        WHERE
            u.user_id = p_user_id
            AND u.status = 'active'
            AND t.status = 'scheduled'
            AND t.departs_at > v_now;
        IF v_price IS NULL THEN
            CALL read_bookable_segment(
                p_user_id, v_trip_id, v_fare_class, v_now,
                v_fare_class_id, v_price, v_currency, v_seat_prefix, v_departs, v_hold_minutes
            );
            -- Back here only when the segment became bookable since the read above.
            SET v_expires = v_now + INTERVAL v_hold_minutes MINUTE;
        END IF;
        -- One passenger: insert_reservation written out, as purchase does. A booking reference
        -- already taken (1062) leaves p_reservation_id NULL, and insert_reservation draws again,
        -- counting the draw made here (its p_drawn is 1 when there was one).
        IF v_passenger_count = 1 THEN
            BEGIN
                DECLARE CONTINUE HANDLER FOR 1062 BEGIN END;
                INSERT INTO reservations (
                    booking_ref, user_id, status, total_amount, currency, expires_at, first_departs_at, created_at
                )
                VALUES (new_booking_ref(), p_user_id, 'held', v_price, v_currency, v_expires, v_departs, v_now);
                SET p_reservation_id = IF(ROW_COUNT() > 0, LAST_INSERT_ID(), NULL);
            END;
        END IF;
        IF p_reservation_id IS NULL THEN
            CALL insert_reservation(
                p_user_id, 'held', v_price * v_passenger_count, v_currency, v_expires, v_departs, p_passengers, v_now,
                v_passenger_count = 1, p_reservation_id
            );
        ELSE
            INSERT INTO passengers (reservation_id, passenger_no, full_name, birth_date, created_at)
            VALUES (
                p_reservation_id,
                1,
                TRIM(JSON_UNQUOTE(JSON_EXTRACT(p_passengers, '$[0].full_name'))),
                IF(
                    JSON_TYPE(JSON_EXTRACT(p_passengers, '$[0].birth_date')) = 'STRING',
                    CAST(JSON_UNQUOTE(JSON_EXTRACT(p_passengers, '$[0].birth_date')) AS DATE),
                    NULL
                ),
                v_now
            );
        END IF;
        INSERT INTO reservation_segments (
            reservation_id, segment_no, trip_id, fare_class_id, unit_price, seats, held_until, created_at
        )
        VALUES (p_reservation_id, 1, v_trip_id, v_fare_class_id, v_price, v_passenger_count, v_expires, v_now);
        -- The hold, as take_seats makes it, last: the fare row stays locked until the commit.
        -- When the fare looks full, take_seats reclaims lapsed holds and tries again, or names
        -- the error.
        UPDATE trip_fares
        SET seats_held = seats_held + v_passenger_count
        WHERE
            trip_id = v_trip_id
            AND fare_class_id = v_fare_class_id
            AND on_sale = 1
            AND seats_held + seats_sold + v_passenger_count <= capacity;
        IF ROW_COUNT() = 0 THEN
            CALL take_seats(v_trip_id, v_fare_class_id, v_passenger_count, 0, v_now, v_no_seat_numbers);
        END IF;
    ELSE
        BEGIN
            DECLARE v_step INT DEFAULT 0;
            -- The fares to hold, in lock order (read_bookable_segments).
            DECLARE v_fares JSON;
            DECLARE v_total DECIMAL(12, 2);
            DECLARE v_first_departs DATETIME;
            CALL read_bookable_segments(
                p_user_id, p_segments, v_trip_ids, v_segment_count, v_passenger_count, v_now,
                v_fares, v_total, v_currency, v_first_departs, v_hold_minutes
            );
            SET v_expires = v_now + INTERVAL v_hold_minutes MINUTE;
            CALL insert_reservation(
                p_user_id, 'held', v_total, v_currency, v_expires, v_first_departs, p_passengers, v_now, 0,
                p_reservation_id
            );

            -- Seats last, in lock order, each segment written before its fare is locked.
            WHILE v_step < v_segment_count DO
                SET v_trip_id = JSON_UNQUOTE(JSON_EXTRACT(v_fares, CONCAT('$[', v_step, '][0]')));
                SET v_fare_class_id = JSON_UNQUOTE(JSON_EXTRACT(v_fares, CONCAT('$[', v_step, '][1]')));
                INSERT INTO reservation_segments (
                    reservation_id, segment_no, trip_id, fare_class_id, unit_price, seats, held_until, created_at
                )
                VALUES (
                    p_reservation_id,
                    JSON_UNQUOTE(JSON_EXTRACT(v_fares, CONCAT('$[', v_step, '][2]'))),
                    v_trip_id,
                    v_fare_class_id,
                    JSON_UNQUOTE(JSON_EXTRACT(v_fares, CONCAT('$[', v_step, '][3]'))),
                    v_passenger_count,
                    v_expires,
                    v_now
                );
                CALL take_seats(v_trip_id, v_fare_class_id, v_passenger_count, 0, v_now, v_no_seat_numbers);
                SET v_step = v_step + 1;
            END WHILE;
        END;
    END IF;
    COMMIT;
END$$

DELIMITER ;
