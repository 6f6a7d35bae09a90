-- replay_or_refuse_payment: pay_reservation's answer when its one guarded UPDATE confirmed
-- nothing. Either the call repeats an earlier payment (same key, same request: that payment's
-- id comes back and nothing changes) or it names why the reservation cannot be paid, in the
-- order pay_reservation has always checked: not the caller's, key reused for another request,
-- paid or cancelled already, hold expired, departed, amount or currency not what is due.
-- Internal: runs inside pay_reservation's transaction, which commits or rolls back.
-- Errors: NOT_FOUND, DUPLICATE, INVALID_STATE, TOO_LATE, AMOUNT_MISMATCH.
-- Locks: the reservation row FOR UPDATE (a twin call holding it has committed by the time this
-- reads its payment).
-- requires: raise_error
DROP PROCEDURE IF EXISTS replay_or_refuse_payment;

DELIMITER $$

CREATE PROCEDURE replay_or_refuse_payment (
    IN p_reservation_id BIGINT,
    IN p_user_id BIGINT,
    IN p_amount DECIMAL(12, 2),
    IN p_currency CHAR(3),
    IN p_idempotency_key VARCHAR(64),
    IN p_request_hash CHAR(64),
    IN p_now DATETIME,
    OUT p_payment_id BIGINT
)
READS SQL DATA
SQL SECURITY INVOKER
COMMENT 'Internal: the earlier payment of a repeated pay_reservation call, or why it cannot pay'
BEGIN
    DECLARE v_owner BIGINT;
    DECLARE v_status VARCHAR(10);
    DECLARE v_total DECIMAL(12, 2);
    DECLARE v_currency CHAR(3);
    DECLARE v_expires DATETIME;
    DECLARE v_first_departs DATETIME;
    DECLARE v_known_payment BIGINT;
    DECLARE v_known_hash CHAR(64);
    DECLARE CONTINUE HANDLER FOR NOT FOUND BEGIN END;
    SET p_payment_id = NULL;
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
        IF v_known_hash <> p_request_hash THEN
            CALL raise_error(50005, 'idempotency key was used for another request');
        END IF;
        SET p_payment_id = v_known_payment;
    ELSEIF v_status = 'confirmed' THEN
        CALL raise_error(50004, 'reservation is already paid');
    ELSEIF v_status = 'cancelled' THEN
        CALL raise_error(50004, 'reservation is cancelled');
    ELSEIF v_status = 'expired' OR v_expires <= p_now THEN
        CALL raise_error(50008, 'the hold has expired');
    ELSEIF v_first_departs <= p_now THEN
        CALL raise_error(50008, 'the trip has already departed');
    ELSEIF p_amount <> v_total OR p_currency <> v_currency THEN
        CALL raise_error(50006, CONCAT('amount due is ', v_total, ' ', v_currency));
    ELSE
        -- Payable now, though not when the UPDATE looked: another call changed it and rolled back.
        CALL raise_error(50004, 'reservation changed while paying; try again');
    END IF;
END$$

DELIMITER ;
