-- check_payment_request: the input rules of a payment, in one place for pay_reservation and
-- purchase: an amount of zero or more, an ISO 4217 currency in capitals, a known method and a
-- non-empty idempotency key. Whether the amount is what is due is for the caller to check.
-- Internal: no account may call it.
-- Errors: INVALID_ARGUMENT. Locks: none (reads nothing but its arguments).
-- requires: raise_error
DROP PROCEDURE IF EXISTS check_payment_request;

DELIMITER $$

CREATE PROCEDURE check_payment_request (
    IN p_amount DECIMAL(12, 2),
    IN p_currency CHAR(3),
    IN p_method VARCHAR(20),
    IN p_idempotency_key VARCHAR(64)
)
NO SQL
SQL SECURITY INVOKER
COMMENT 'Internal: refuses a malformed payment request (amount, currency, method, key)'
BEGIN
    IF p_amount IS NULL OR p_amount < 0 THEN
        CALL raise_error(50001, 'amount must be zero or more');
    ELSEIF p_currency IS NULL OR p_currency COLLATE utf8mb4_bin NOT REGEXP '^[A-Z]{3}$' THEN
        CALL raise_error(50001, 'currency must be an ISO 4217 code in capitals');
    ELSEIF p_method IS NULL OR p_method NOT IN ('card', 'wallet', 'bank_transfer') THEN
        CALL raise_error(50001, 'method must be card, wallet or bank_transfer');
    ELSEIF COALESCE(CHAR_LENGTH(TRIM(p_idempotency_key)), 0) = 0 THEN
        CALL raise_error(50001, 'idempotency key must not be empty');
    END IF;
END$$

DELIMITER ;
