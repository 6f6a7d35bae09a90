-- purchase: holds and pays in one call and one transaction, for customers who pay at once
-- (REST: POST /reservations with a payment): the reservation is made confirmed, with its tickets
-- and its payment, or nothing happens. p_segments and p_passengers as create_reservation;
-- p_amount, p_currency, p_method and p_idempotency_key as pay_reservation. Returns the
-- reservation and payment ids. Idempotent: the same call with the same key returns the same
-- ids and changes nothing; the same key with another request is DUPLICATE. Keys are scoped to
-- the customer (purchase_keys, V0031) and compared byte for byte. The payment's own key is the
-- same, so pay_reservation with it on the new reservation also answers with this payment.
-- Errors: those of create_reservation (INVALID_ARGUMENT, NOT_FOUND, FORBIDDEN, INVALID_STATE,
--         TOO_LATE, SOLD_OUT) and of pay_reservation's request (INVALID_ARGUMENT for the amount,
--         currency, method or an empty key; AMOUNT_MISMATCH when the amount or currency is not
--         the total of the seats; DUPLICATE).
-- Concurrency: as create_reservation (trips and prices read without a lock, the reservation
-- and passengers written before any fare is locked, one guarded UPDATE per fare in ascending
-- trip_id order, each segment written before its fare is locked, guarded by on_sale so that on
-- Galera a purchase and cancel_trip write a common row), except that the seats go straight to
-- sold: each fare's UPDATE moves seats_sold and seats_issued at once and hands back the seat
-- numbers (LAST_INSERT_ID(expr)), and that fare's tickets follow, until the commit. The
-- payment and the key row are written before the fares: a twin call with the same key waits on
-- the key row, holding no fare, then finds it (1062) and answers with the first call's ids.
-- Cost: one commit and no hold to confirm, against create_reservation + pay_reservation's two
-- commits, the reservation read and updated again and a second UPDATE of every fare. As in
-- create_reservation, the usual purchase (one segment, one passenger) takes the short way: one
-- test of the request, one read of the customer, the key and the bookable case, and the
-- reservation, its passenger and the seat update written out; check_payment_request,
-- check_booking_request, read_bookable_segment, insert_reservation and take_seats run only when
-- these find nothing (bench/booking_ab.py: 1,374 -> 1,195 us). Several segments are read by
-- read_bookable_segments; every segment is sold by the same written-out UPDATE, and take_seats
-- only when its fare looks full.
-- requires: raise_error, check_booking_request, check_payment_request, read_bookable_segment
-- requires: read_bookable_segments, insert_reservation, new_booking_ref, take_seats, utc_now
DROP PROCEDURE IF EXISTS purchase;

DELIMITER $$

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
MODIFIES SQL DATA
SQL SECURITY DEFINER
COMMENT 'Holds and pays seats in one transaction; idempotent by key per customer'
proc: BEGIN
    DECLARE v_now DATETIME DEFAULT utc_now();
    DECLARE v_segment_count INT;
    DECLARE v_passenger_count INT;
    DECLARE v_trip_ids JSON;
    -- Several segments: their fares, in lock order (read_bookable_segments).
    DECLARE v_fares JSON;
    DECLARE v_user_status VARCHAR(10);
    DECLARE v_departs DATETIME;
    DECLARE v_first_departs DATETIME;
    DECLARE v_trip_id BIGINT;
    DECLARE v_fare_class VARCHAR(10);
    DECLARE v_fare_class_id TINYINT;
    DECLARE v_prefix CHAR(1);
    DECLARE v_price DECIMAL(12, 2);
    DECLARE v_currency CHAR(3);
    DECLARE v_total DECIMAL(12, 2);
    DECLARE v_hold_minutes INT;
    DECLARE v_last_seat INT;
    DECLARE v_index INT DEFAULT 0;
    DECLARE v_segment_no TINYINT;
    DECLARE v_key_hash BINARY(32) DEFAULT UNHEX(SHA2(p_idempotency_key, 256));
    DECLARE v_request_hash CHAR(64);
    DECLARE v_known_hash CHAR(64);
    -- The passenger's id when purchase wrote the one passenger itself (NULL otherwise).
    DECLARE v_passenger_id BIGINT;
    -- SELECT ... INTO that finds nothing leaves its variables as they were (NULL here).
    DECLARE CONTINUE HANDLER FOR NOT FOUND BEGIN END;
    -- A 1062 outside the booking reference's own handler is the key row: a twin call committed
    -- the same key first, so answer with what it made (or DUPLICATE for another request). (The
    -- segment, ticket and payment keys are new or derived from new ids; were one to collide,
    -- no key row is found and the answer is DUPLICATE, with nothing written.)
    DECLARE EXIT HANDLER FOR 1062
    BEGIN
        ROLLBACK;
        SET p_reservation_id = NULL, p_payment_id = NULL;
        SELECT
            request_hash,
            reservation_id,
            payment_id
        INTO v_known_hash, p_reservation_id, p_payment_id
        FROM purchase_keys
        WHERE user_id = p_user_id AND idempotency_key_hash = v_key_hash;
        COMMIT;
        IF v_known_hash IS NULL OR v_known_hash <> v_request_hash THEN
            SET p_reservation_id = NULL, p_payment_id = NULL;
            CALL raise_error(50005, 'idempotency key was used for another request');
        END IF;
    END;
    DECLARE EXIT HANDLER FOR SQLEXCEPTION
    BEGIN
        ROLLBACK;
        SET p_reservation_id = NULL, p_payment_id = NULL;
        RESIGNAL;
    END;

    -- The caller's session reaches in here: switch back on the checks this procedure relies on,
    -- and let auto-increment choose the keys (SET insert_id could pick a key near the maximum).
    SET foreign_key_checks = 1, unique_checks = 1, insert_id = 0;

    -- Validate the request before touching anything. The usual request passes these two
    -- tests, subsets of check_payment_request's and check_booking_request's (the second is
    -- create_reservation's); anything else, valid or not, goes to those procedures, which name
    -- what is wrong.
    IF NOT COALESCE(
        p_amount >= 0
        AND p_currency COLLATE utf8mb4_bin REGEXP '^[A-Z]{3}$'
        AND p_method IN ('card', 'wallet', 'bank_transfer')
        AND CHAR_LENGTH(TRIM(p_idempotency_key)) > 0,
        FALSE
    ) THEN
        CALL check_payment_request(p_amount, p_currency, p_method, p_idempotency_key);
    END IF;
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

    SET v_request_hash = SHA2(CONCAT_WS(
        '|', p_user_id, JSON_COMPACT(p_segments), JSON_COMPACT(p_passengers), p_amount, p_currency, p_method
    ), 256);

    -- READ COMMITTED: reads see what other sessions committed and searches take no gap locks.
    -- SET TRANSACTION needs no transaction open; START TRANSACTION would end one anyway.
    COMMIT;
    SET TRANSACTION ISOLATION LEVEL READ COMMITTED;
    START TRANSACTION;

    -- The customer and the key come first: a repeated call gets the first one's ids (whatever
    -- became of the trips since), another request with the key is DUPLICATE. A missing or
    -- disabled customer is named by read_bookable_segment, before any trip's error. With one
    -- segment, the same read takes the bookable case too (its columns NULL when it is not).
    IF v_segment_count = 1 THEN
        SET v_trip_id = JSON_EXTRACT(v_trip_ids, '$[0]');
        SET v_fare_class = JSON_UNQUOTE(JSON_EXTRACT(p_segments, '$[0].fare_class'));
        SELECT
            u.status AS user_status,
            k.request_hash,
            k.reservation_id,
            k.payment_id,
            fc.fare_class_id,
            fc.seat_prefix,
            tf.price,
            tf.currency,
            t.departs_at
        INTO v_user_status, v_known_hash, p_reservation_id, p_payment_id,
        v_fare_class_id, v_prefix, v_price, v_currency, v_departs
        FROM users AS u
        LEFT JOIN purchase_keys AS k ON u.user_id = k.user_id AND k.idempotency_key_hash = v_key_hash
        LEFT JOIN trips AS t ON t.trip_id = v_trip_id AND t.status = 'scheduled' AND t.departs_at > v_now
        LEFT JOIN fare_classes AS fc ON fc.fare_class = v_fare_class
        LEFT JOIN trip_fares AS tf ON t.trip_id = tf.trip_id AND fc.fare_class_id = tf.fare_class_id
        WHERE u.user_id = p_user_id;
    ELSE
        SELECT
            u.status AS user_status,
            k.request_hash,
            k.reservation_id,
            k.payment_id
        INTO v_user_status, v_known_hash, p_reservation_id, p_payment_id
        FROM users AS u
        LEFT JOIN purchase_keys AS k ON u.user_id = k.user_id AND k.idempotency_key_hash = v_key_hash
        WHERE u.user_id = p_user_id;
    END IF;
    IF v_user_status = 'active' AND v_known_hash IS NOT NULL THEN
        IF v_known_hash <> v_request_hash THEN
            CALL raise_error(50005, 'idempotency key was used for another request');
        END IF;
        COMMIT;
        LEAVE proc;
    END IF;

    -- Each trip and its price, read without a lock: a price never changes once the trip is
    -- added, and a trip cancelled from here on is caught by the on_sale guard of the fare's
    -- UPDATE below.
    IF v_segment_count = 1 THEN
        -- Not bookable as read above: read_bookable_segment names the error.
        IF v_price IS NULL OR NOT COALESCE(v_user_status = 'active', FALSE) THEN
            CALL read_bookable_segment(
                p_user_id, v_trip_id, v_fare_class, v_now,
                v_fare_class_id, v_price, v_currency, v_prefix, v_departs, v_hold_minutes
            );
        END IF;
        SET v_total = v_price * v_passenger_count;
        SET v_first_departs = v_departs;
    ELSE
        CALL read_bookable_segments(
            p_user_id, p_segments, v_trip_ids, v_segment_count, v_passenger_count, v_now,
            v_fares, v_total, v_currency, v_first_departs, v_hold_minutes
        );
    END IF;

    IF p_amount <> v_total OR p_currency <> v_currency THEN
        CALL raise_error(50006, CONCAT('amount due is ', v_total, ' ', v_currency));
    END IF;

    -- One passenger: insert_reservation written out, as in create_reservation. A booking
    -- reference already taken (1062, caught here before the key row's handler sees it) leaves
    -- p_reservation_id NULL, and insert_reservation draws again, counting the draw made here.
    IF v_passenger_count = 1 THEN
        BEGIN
            DECLARE CONTINUE HANDLER FOR 1062 BEGIN END;
            INSERT INTO reservations (
                booking_ref, user_id, status, total_amount, currency, expires_at, first_departs_at, created_at
            )
            VALUES (new_booking_ref(), p_user_id, 'confirmed', v_total, v_currency, v_now, v_first_departs, v_now);
            SET p_reservation_id = IF(ROW_COUNT() > 0, LAST_INSERT_ID(), NULL);
        END;
    END IF;
    -- (For a party, not p_reservation_id alone: the key lookup above sets it when it finds one.)
    IF v_passenger_count > 1 OR p_reservation_id IS NULL THEN
        CALL insert_reservation(
            p_user_id, 'confirmed', v_total, v_currency, v_now, v_first_departs, p_passengers, v_now,
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
        SET v_passenger_id = LAST_INSERT_ID();
    END IF;

    -- The payment and the key before any fare is locked, so a fare row of a busy trip is held
    -- only for its seats and tickets. The payment's key and request hash are those
    -- pay_reservation would give it, so paying the new reservation again with the same key
    -- answers with this payment. A twin call with the same key waits here on the key row (it
    -- holds no fare yet), then finds it (1062) and answers with the first call's ids.
    INSERT INTO payments (reservation_id, amount, currency, method, idempotency_key, request_hash, created_at)
    VALUES (
        p_reservation_id, p_amount, p_currency, p_method, p_idempotency_key,
        SHA2(CONCAT_WS('|', p_reservation_id, p_user_id, p_amount, p_currency, p_method), 256), v_now
    );
    SET p_payment_id = LAST_INSERT_ID();
    INSERT INTO purchase_keys (user_id, idempotency_key_hash, request_hash, reservation_id, payment_id, created_at)
    VALUES (p_user_id, v_key_hash, v_request_hash, p_reservation_id, p_payment_id, v_now);

    -- Seats last, in lock order, straight to sold: each segment first (it locks no fare), then
    -- the fare's update, then the tickets, which need the seat numbers it hands out.
    SET v_segment_no = 1;
    WHILE v_index < v_segment_count DO
        IF v_segment_count > 1 THEN
            SET v_trip_id = JSON_UNQUOTE(JSON_EXTRACT(v_fares, CONCAT('$[', v_index, '][0]')));
            SET v_fare_class_id = JSON_UNQUOTE(JSON_EXTRACT(v_fares, CONCAT('$[', v_index, '][1]')));
            SET v_segment_no = JSON_UNQUOTE(JSON_EXTRACT(v_fares, CONCAT('$[', v_index, '][2]')));
            SET v_price = JSON_UNQUOTE(JSON_EXTRACT(v_fares, CONCAT('$[', v_index, '][3]')));
            SET v_prefix = JSON_UNQUOTE(JSON_EXTRACT(v_fares, CONCAT('$[', v_index, '][4]')));
        END IF;
        INSERT INTO reservation_segments (
            reservation_id, segment_no, trip_id, fare_class_id, unit_price, seats, held_until, created_at
        )
        VALUES (p_reservation_id, v_segment_no, v_trip_id, v_fare_class_id, v_price, v_passenger_count, NULL, v_now);
        -- The sale, as take_seats makes it (which reclaims lapsed holds when the fare looks full,
        -- or names the error); LAST_INSERT_ID(expr) hands back the new seats_issued.
        UPDATE trip_fares
        SET
            seats_sold = seats_sold + v_passenger_count,
            seats_issued = LAST_INSERT_ID(seats_issued + v_passenger_count)
        WHERE
            trip_id = v_trip_id
            AND fare_class_id = v_fare_class_id
            AND on_sale = 1
            AND seats_held + seats_sold + v_passenger_count <= capacity;
        IF ROW_COUNT() > 0 THEN
            SET v_last_seat = LAST_INSERT_ID();
        ELSE
            CALL take_seats(v_trip_id, v_fare_class_id, v_passenger_count, 1, v_now, v_last_seat);
        END IF;
        -- The one passenger written out above: the ticket from its id, as the SELECT below
        -- would make it (INSERT ... VALUES is ~60 us cheaper than INSERT ... SELECT here).
        IF v_passenger_id IS NOT NULL THEN
            INSERT INTO tickets (ticket_number, reservation_id, passenger_id, trip_id, seat_no, created_at)
            VALUES (
                CONCAT(LPAD(p_reservation_id, 10, '0'), v_segment_no, '01'),
                p_reservation_id,
                v_passenger_id,
                v_trip_id,
                CONCAT(v_prefix, v_last_seat),
                v_now
            );
        ELSE
            INSERT INTO tickets (ticket_number, reservation_id, passenger_id, trip_id, seat_no, created_at)
            SELECT
                CONCAT(LPAD(p_reservation_id, 10, '0'), v_segment_no, LPAD(p.passenger_no, 2, '0')) AS ticket_number,
                p.reservation_id,
                p.passenger_id,
                v_trip_id AS trip_id,
                CONCAT(v_prefix, v_last_seat - v_passenger_count + p.passenger_no) AS seat_no,
                v_now AS created_at
            FROM passengers AS p
            WHERE p.reservation_id = p_reservation_id;
        END IF;
        SET v_index = v_index + 1;
    END WHILE;

    COMMIT;
END$$

DELIMITER ;
