-- cancel_reservation: the customer cancels. A held reservation releases its seats and refunds
-- 0. A confirmed one voids its tickets, releases its seats and is refunded by refund_rules on
-- the hours left before its first departure (rules of that trip's mode, else the rules for
-- all modes; default >= 72 h 100 %, >= 24 h 50 %, else 0 %), rounded half up to the cent.
-- Errors: NOT_FOUND (no such reservation, or not the caller's), INVALID_STATE (already
--         cancelled or expired), TOO_LATE (hold already lapsed; first trip departed).
-- Concurrency: locks the reservation row FOR UPDATE first (so pay, cancel and expire of one
-- reservation end in exactly one outcome), then release_seats updates fares in ascending
-- (trip_id, fare_class_id) order. uq_refunds_reservation_id guards against a double refund.
-- requires: raise_error, release_seats, utc_now
DROP PROCEDURE IF EXISTS cancel_reservation;

DELIMITER $$

CREATE PROCEDURE cancel_reservation (
    IN p_reservation_id BIGINT,
    IN p_user_id BIGINT,
    IN p_reason VARCHAR(200),
    OUT p_refund_amount DECIMAL(12, 2)
)
MODIFIES SQL DATA
SQL SECURITY DEFINER
COMMENT 'Cancels a reservation and refunds by the refund rules; returns the refund'
BEGIN
    DECLARE v_now DATETIME DEFAULT utc_now();
    DECLARE v_owner BIGINT;
    DECLARE v_status VARCHAR(10);
    DECLARE v_currency CHAR(3);
    DECLARE v_expires DATETIME;
    DECLARE v_first_departs DATETIME;
    DECLARE v_mode VARCHAR(5);
    DECLARE v_paid DECIMAL(12, 2);
    DECLARE v_percent DECIMAL(5, 2);
    DECLARE EXIT HANDLER FOR SQLEXCEPTION
    BEGIN
        ROLLBACK;
        SET p_refund_amount = NULL;
        RESIGNAL;
    END;

    -- The caller's session reaches in here: switch back on the checks this procedure relies on,
    -- and let auto-increment choose the keys (SET insert_id could pick a key near the maximum).
    SET foreign_key_checks = 1, unique_checks = 1, insert_id = 0;

    -- READ COMMITTED: reads see what other sessions committed and searches take no gap locks.
    -- SET TRANSACTION needs no transaction open; START TRANSACTION would end one anyway.
    COMMIT;
    SET TRANSACTION ISOLATION LEVEL READ COMMITTED;
    START TRANSACTION;
    SELECT
        user_id,
        status,
        currency,
        expires_at,
        first_departs_at
    INTO v_owner, v_status, v_currency, v_expires, v_first_departs
    FROM reservations
    WHERE reservation_id = p_reservation_id
    FOR UPDATE;
    IF v_owner IS NULL OR p_user_id IS NULL OR v_owner <> p_user_id THEN
        CALL raise_error(50002, 'reservation does not exist');
    ELSEIF v_status IN ('cancelled', 'expired') THEN
        CALL raise_error(50004, CONCAT('reservation is already ', v_status));
    ELSEIF v_status = 'held' AND v_expires <= v_now THEN
        CALL raise_error(50008, 'the hold has already lapsed');
    ELSEIF v_first_departs <= v_now THEN
        CALL raise_error(50008, 'the trip has already departed');
    END IF;

    SET p_refund_amount = 0.00;
    IF v_status = 'confirmed' THEN
        SELECT t.mode
        INTO v_mode
        FROM reservation_segments AS s
        INNER JOIN trips AS t ON s.trip_id = t.trip_id
        WHERE s.reservation_id = p_reservation_id
        ORDER BY t.departs_at, t.trip_id
        LIMIT 1;
        SELECT rr.refund_percent
        INTO v_percent
        FROM refund_rules AS rr
        WHERE
            rr.min_hours_before * 3600 <= TIMESTAMPDIFF(SECOND, v_now, v_first_departs)
            AND rr.mode_key = IF(
                EXISTS (
                    SELECT 1 FROM refund_rules AS own
                    WHERE own.mode = v_mode
                ), v_mode, '*'
            )
        ORDER BY rr.min_hours_before DESC
        LIMIT 1;
        SELECT COALESCE(SUM(amount), 0) INTO v_paid FROM payments
        WHERE reservation_id = p_reservation_id;
        SET p_refund_amount = ROUND(v_paid * COALESCE(v_percent, 0) / 100, 2);
        INSERT INTO refunds (reservation_id, amount, currency, refund_percent, reason, created_at)
        VALUES (p_reservation_id, p_refund_amount, v_currency, COALESCE(v_percent, 0), LEFT(p_reason, 200), v_now);
    END IF;

    CALL release_seats(JSON_ARRAY(p_reservation_id), 'cancelled', v_now);
    COMMIT;
END$$

DELIMITER ;
