-- pay_reservation: takes the payment of a held reservation, confirms it and issues one ticket
-- per passenger per segment, each with a unique ticket number and a seat number unique on its
-- trip. Idempotent: the same call with the same key returns the same payment id and changes
-- nothing; the same key with a different request is DUPLICATE.
-- Errors: INVALID_ARGUMENT (negative or missing amount, bad currency or method, empty key),
--         NOT_FOUND (no such reservation, or not the caller's), INVALID_STATE (confirmed
--         already, cancelled), TOO_LATE (hold expired, even if the expiry event has not run;
--         trip departed), AMOUNT_MISMATCH (amount or currency differs from what is due),
--         DUPLICATE (key reused for another request).
-- Concurrency: READ COMMITTED, so the key lookup sees payments committed by a twin call
-- without taking gap locks. Locks the reservation row FOR UPDATE first (serialising pay, cancel
-- and expire of one reservation, so exactly one wins), reads the key after the lock (a twin
-- that held it has committed by then), confirms the reservation, then moves seats from held to
-- sold with one guarded UPDATE per fare in ascending (trip_id, fare_class_id) order and issues
-- that fare's tickets: a fare row is locked only from its update to the commit. The segments'
-- held_until is cleared last (changing it S-locks the fare through the foreign key).
-- The fare updates are guarded by on_sale, which cancel_trip clears: on Galera, where row locks
-- are node-local, a payment and a trip cancellation on two nodes write a common row (the fare,
-- and the reservation) and certification aborts one of them.
-- Keys are scoped to their reservation and compared byte for byte (SHA-256 of the key as
-- given): uq_payments_reservation_idempotency_key is the last guard against a key used twice;
-- uq_tickets_trip_active_seat against a seat sold twice.
-- requires: raise_error, utc_now
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
BEGIN
    DECLARE v_now DATETIME DEFAULT utc_now();
    DECLARE v_request_hash CHAR(64);
    DECLARE v_known_payment BIGINT;
    DECLARE v_known_hash CHAR(64);
    DECLARE v_owner BIGINT;
    DECLARE v_status VARCHAR(10);
    DECLARE v_total DECIMAL(12, 2);
    DECLARE v_currency CHAR(3);
    DECLARE v_expires DATETIME;
    DECLARE v_first_departs DATETIME;
    DECLARE v_seats INT;
    DECLARE v_trip_id BIGINT;
    DECLARE v_fare_class_id TINYINT;
    DECLARE v_segment_no TINYINT;
    DECLARE v_prefix CHAR(1);
    DECLARE v_last_seat INT;
    DECLARE v_done INT DEFAULT 0;
    DECLARE c_segments CURSOR FOR
        SELECT
            s.trip_id,
            s.fare_class_id,
            s.segment_no,
            s.seats,
            fc.seat_prefix
        FROM reservation_segments AS s
        INNER JOIN fare_classes AS fc ON s.fare_class_id = fc.fare_class_id
        WHERE s.reservation_id = p_reservation_id
        ORDER BY s.trip_id, s.fare_class_id;
    DECLARE CONTINUE HANDLER FOR NOT FOUND SET v_done = 1;
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

    IF p_amount IS NULL OR p_amount < 0 THEN
        CALL raise_error(50001, 'amount must be zero or more');
    ELSEIF p_currency IS NULL OR p_currency COLLATE utf8mb4_bin NOT REGEXP '^[A-Z]{3}$' THEN
        CALL raise_error(50001, 'currency must be an ISO 4217 code in capitals');
    ELSEIF p_method IS NULL OR p_method NOT IN ('card', 'wallet', 'bank_transfer') THEN
        CALL raise_error(50001, 'method must be card, wallet or bank_transfer');
    ELSEIF COALESCE(CHAR_LENGTH(TRIM(p_idempotency_key)), 0) = 0 THEN
        CALL raise_error(50001, 'idempotency key must not be empty');
    END IF;
    SET v_request_hash = SHA2(CONCAT_WS('|', p_reservation_id, p_user_id, p_amount, p_currency, p_method), 256);

    -- READ COMMITTED: reads see what other sessions committed and searches take no gap locks.
    -- SET TRANSACTION needs no transaction open; START TRANSACTION would end one anyway.
    COMMIT;
    SET TRANSACTION ISOLATION LEVEL READ COMMITTED;
    START TRANSACTION;
    SELECT
        user_id,
        status,
        total_amount,
        currency,
        expires_at,
        first_departs_at
    INTO v_owner, v_status, v_total, v_currency, v_expires, v_first_departs
    FROM reservations
    WHERE reservation_id = p_reservation_id
    FOR UPDATE;
    IF v_owner IS NULL OR v_owner <> p_user_id OR p_user_id IS NULL THEN
        CALL raise_error(50002, 'reservation does not exist');
    END IF;
    -- Keys are scoped to the reservation and compared byte for byte (case and spaces count).
    SELECT
        payment_id,
        request_hash
    INTO v_known_payment, v_known_hash
    FROM payments
    WHERE reservation_id = p_reservation_id AND idempotency_key_hash = UNHEX(SHA2(p_idempotency_key, 256));
    IF v_known_payment IS NOT NULL THEN
        IF v_known_hash <> v_request_hash THEN
            CALL raise_error(50005, 'idempotency key was used for another request');
        END IF;
        SET p_payment_id = v_known_payment;
        COMMIT;
    ELSE
        IF v_status = 'confirmed' THEN
            CALL raise_error(50004, 'reservation is already paid');
        ELSEIF v_status = 'cancelled' THEN
            CALL raise_error(50004, 'reservation is cancelled');
        ELSEIF v_status = 'expired' OR v_expires <= v_now THEN
            CALL raise_error(50008, 'the hold has expired');
        ELSEIF v_first_departs <= v_now THEN
            CALL raise_error(50008, 'the trip has already departed');
        ELSEIF p_amount <> v_total OR p_currency <> v_currency THEN
            CALL raise_error(50006, CONCAT('amount due is ', v_total, ' ', v_currency));
        END IF;

        INSERT INTO payments (reservation_id, amount, currency, method, idempotency_key, request_hash, created_at)
        VALUES (p_reservation_id, p_amount, p_currency, p_method, p_idempotency_key, v_request_hash, v_now);
        SET p_payment_id = LAST_INSERT_ID();

        -- Guarded by the state read above: on Galera a cancel or an expiry on another node writes
        -- this row too, and certification lets only one of them commit.
        UPDATE reservations SET status = 'confirmed', updated_at = v_now
        WHERE reservation_id = p_reservation_id AND status = 'held';
        IF ROW_COUNT() = 0 THEN
            CALL raise_error(50004, 'reservation is no longer held');
        END IF;

        -- an earlier SELECT ... INTO that found no row set v_done through the NOT FOUND handler
        SET v_done = 0;
        OPEN c_segments;
        segments: LOOP
            FETCH c_segments INTO v_trip_id, v_fare_class_id, v_segment_no, v_seats, v_prefix;
            IF v_done THEN
                LEAVE segments;
            END IF;
            -- LAST_INSERT_ID(expr) hands back the new seats_issued from the same statement.
            UPDATE trip_fares
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
        END LOOP;
        CLOSE c_segments;
        -- After the fares: held_until is part of the index that checks the segments' foreign key
        -- to trip_fares, so changing it takes an S lock on the fare (S before X would deadlock).
        UPDATE reservation_segments SET held_until = NULL
        WHERE reservation_id = p_reservation_id;
        COMMIT;
    END IF;
END$$

DELIMITER ;
