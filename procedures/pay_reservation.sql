-- pay_reservation: takes the payment of a held reservation, confirms it and issues one ticket
-- per passenger per segment, each with a unique ticket number and a seat number unique on its
-- trip. Idempotent: the same call with the same key returns the same payment id and changes
-- nothing; the same key with a different request is DUPLICATE.
-- Errors: INVALID_ARGUMENT (negative or missing amount, bad currency or method, empty key),
--         NOT_FOUND (no such reservation, or not the caller's), INVALID_STATE (confirmed
--         already, cancelled), TOO_LATE (hold expired, even if the expiry event has not run;
--         trip departed), AMOUNT_MISMATCH (amount or currency differs from what is due),
--         DUPLICATE (key reused for another request).
-- Concurrency: READ COMMITTED, without gap locks. The reservation row is locked first, by the
-- guarded UPDATE that confirms it (serialising pay, cancel and expire of one reservation, so
-- exactly one wins); when it confirms nothing, replay_or_refuse_payment locks the row, and
-- finds the payment of a twin call that held it (committed by then) or names the error. The
-- segments' held_until is cleared next (a segment locks no fare since V0054). Then seats move
-- from held to sold with one guarded UPDATE per fare in ascending trip_id order and that
-- fare's tickets follow: a fare row is locked only from its update to the commit.
-- Cost: the usual call is one test of the request, one UPDATE of the reservation, the payment,
-- one segment read, and per fare its UPDATE and tickets; check_payment_request runs only for a
-- request that fails the test, and the error and replay paths live in the other procedure, so
-- their variables cost the usual call nothing. The statements that find their rows by primary
-- key say so (FORCE INDEX): otherwise the optimizer weighs every index the guards mention, with
-- a dive into each (the reservation's customer and status/expiry indexes, the segments' unique
-- key): ~35 us a hold+pay (bench/booking_ab.py).
-- The fare updates are guarded by on_sale, which cancel_trip clears: on Galera, where row locks
-- are node-local, a payment and a trip cancellation on two nodes write a common row (the fare,
-- and the reservation) and certification aborts one of them.
-- Keys are scoped to their reservation and compared byte for byte (SHA-256 of the key as
-- given): uq_payments_reservation_idempotency_key is the last guard against a key used twice;
-- uq_tickets_trip_active_seat against a seat sold twice.
-- requires: raise_error, check_payment_request, replay_or_refuse_payment, utc_now
DROP PROCEDURE IF EXISTS pay_reservation;

DELIMITER $$

CREATE PROCEDURE pay_reservation (
    IN p_reservation_id BIGINT,
    IN p_user_id BIGINT,
    IN p_amount DECIMAL(12, 2),
    IN p_currency CHAR(3),
    IN p_method VARCHAR(20),
    IN p_idempotency_key VARCHAR(64),
    OUT p_payment_id BIGINT
)
MODIFIES SQL DATA
SQL SECURITY DEFINER
COMMENT 'Pays a held reservation and issues its tickets; idempotent by key'
proc: BEGIN
    DECLARE v_now DATETIME DEFAULT utc_now();
    DECLARE v_segments INT;
    DECLARE v_paid INT DEFAULT 0;
    DECLARE v_after_trip_id BIGINT DEFAULT 0;
    DECLARE v_seats INT;
    DECLARE v_trip_id BIGINT;
    DECLARE v_fare_class_id TINYINT;
    DECLARE v_segment_no TINYINT;
    DECLARE v_prefix CHAR(1);
    DECLARE v_last_seat INT;
    DECLARE v_passenger_id BIGINT;
    DECLARE EXIT HANDLER FOR 1062
    BEGIN
        ROLLBACK;
        SET p_payment_id = NULL;
        CALL raise_error(50005, 'idempotency key was used for another request');
    END;
    DECLARE EXIT HANDLER FOR SQLEXCEPTION
    BEGIN
        ROLLBACK;
        SET p_payment_id = NULL;
        RESIGNAL;
    END;

    -- The caller's session reaches in here: switch back on the checks this procedure relies on,
    -- and let auto-increment choose the keys (SET insert_id could pick a key near the maximum).
    SET foreign_key_checks = 1, unique_checks = 1, insert_id = 0;

    -- The usual request passes this test, a subset of check_payment_request's (as in purchase);
    -- anything else goes to check_payment_request, which names what is wrong.
    IF NOT COALESCE(
        p_amount >= 0
        AND p_currency COLLATE utf8mb4_bin REGEXP '^[A-Z]{3}$'
        AND p_method IN ('card', 'wallet', 'bank_transfer')
        AND CHAR_LENGTH(TRIM(p_idempotency_key)) > 0,
        FALSE
    ) THEN
        CALL check_payment_request(p_amount, p_currency, p_method, p_idempotency_key);
    END IF;

    -- READ COMMITTED: reads see what other sessions committed and searches take no gap locks.
    -- SET TRANSACTION needs no transaction open; START TRANSACTION would end one anyway.
    COMMIT;
    SET TRANSACTION ISOLATION LEVEL READ COMMITTED;
    START TRANSACTION;
    -- The usual payment in one guarded statement that also takes the reservation's lock: the
    -- caller's held, unexpired reservation of a trip not yet departed, paid in full. On Galera a
    -- cancel or an expiry on another node writes this row too, and certification lets only one
    -- of them commit. A held reservation has no payment yet (a payment confirms its reservation
    -- in the same transaction), so no key can be known for it.
    UPDATE reservations FORCE INDEX (`PRIMARY`) SET status = 'confirmed', updated_at = v_now
    WHERE
        reservation_id = p_reservation_id
        AND user_id = p_user_id
        AND status = 'held'
        AND expires_at > v_now
        AND first_departs_at > v_now
        AND total_amount = p_amount
        AND currency = p_currency;
    IF ROW_COUNT() = 0 THEN
        -- Not payable as asked: a repeated call, or an error to name.
        CALL replay_or_refuse_payment(
            p_reservation_id, p_user_id, p_amount, p_currency, p_idempotency_key,
            SHA2(CONCAT_WS('|', p_reservation_id, p_user_id, p_amount, p_currency, p_method), 256), v_now, p_payment_id
        );
        COMMIT;
        LEAVE proc;
    END IF;

    -- The request hash in place (the replay call above computes its own): a statement fewer.
    INSERT INTO payments (reservation_id, amount, currency, method, idempotency_key, request_hash, created_at)
    VALUES (
        p_reservation_id, p_amount, p_currency, p_method, p_idempotency_key,
        SHA2(CONCAT_WS('|', p_reservation_id, p_user_id, p_amount, p_currency, p_method), 256), v_now
    );
    SET p_payment_id = LAST_INSERT_ID();

    -- The fares in ascending trip_id order (a trip appears once per reservation). The usual
    -- single segment is read whole by this one statement (its MINs are its values); with more,
    -- each turn of the loop reads the next smallest trip_id.
    SELECT
        COUNT(*) AS segments,
        MIN(s.trip_id) AS trip_id,
        MIN(s.fare_class_id) AS fare_class_id,
        MIN(s.segment_no) AS segment_no,
        MIN(s.seats) AS seats,
        MIN(fc.seat_prefix) AS seat_prefix
    INTO v_segments, v_trip_id, v_fare_class_id, v_segment_no, v_seats, v_prefix
    FROM reservation_segments AS s FORCE INDEX (`PRIMARY`)
    INNER JOIN fare_classes AS fc ON s.fare_class_id = fc.fare_class_id
    WHERE s.reservation_id = p_reservation_id;
    -- One passenger (as many as every segment has seats): its tickets are written from its id
    -- (INSERT ... VALUES), which costs less than INSERT ... SELECT from passengers, even with
    -- this read (bench/booking_ab.py: 16-46 us a hold+pay over three runs).
    IF v_seats = 1 THEN
        SELECT passenger_id INTO v_passenger_id FROM passengers
        WHERE reservation_id = p_reservation_id AND passenger_no = 1;
    END IF;
    -- Before the fares, so that a busy trip's fare row is held only for its update and tickets.
    UPDATE reservation_segments FORCE INDEX (`PRIMARY`) SET held_until = NULL
    WHERE reservation_id = p_reservation_id;
    WHILE v_paid < v_segments DO
        IF v_segments > 1 THEN
            SELECT
                s.trip_id,
                s.fare_class_id,
                s.segment_no,
                s.seats,
                fc.seat_prefix
            INTO v_trip_id, v_fare_class_id, v_segment_no, v_seats, v_prefix
            FROM reservation_segments AS s
            INNER JOIN fare_classes AS fc ON s.fare_class_id = fc.fare_class_id
            WHERE s.reservation_id = p_reservation_id AND s.trip_id > v_after_trip_id
            ORDER BY s.trip_id
            LIMIT 1;
            SET v_after_trip_id = v_trip_id;
        END IF;
        -- LAST_INSERT_ID(expr) hands back the new seats_issued from the same statement.
        UPDATE trip_fares FORCE INDEX (`PRIMARY`)
        SET
            seats_held = seats_held - v_seats,
            seats_sold = seats_sold + v_seats,
            seats_issued = LAST_INSERT_ID(seats_issued + v_seats)
        WHERE
            trip_id = v_trip_id
            AND fare_class_id = v_fare_class_id
            AND on_sale = 1
            AND seats_held >= v_seats;
        IF ROW_COUNT() = 0 THEN
            CALL raise_error(50004, 'a trip of this reservation is cancelled, or its held seats are missing');
        END IF;
        SET v_last_seat = LAST_INSERT_ID();
        IF v_seats = 1 THEN
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
                CONCAT(v_prefix, v_last_seat - v_seats + p.passenger_no) AS seat_no,
                v_now AS created_at
            FROM passengers AS p
            WHERE p.reservation_id = p_reservation_id;
        END IF;
        SET v_paid = v_paid + 1;
    END WHILE;
    COMMIT;
END$$

DELIMITER ;
