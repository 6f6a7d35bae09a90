-- register_user: creates a customer account; the email is stored trimmed and lower-cased.
-- Errors: INVALID_ARGUMENT (bad email, empty hash or name), DUPLICATE (email registered).
-- Locks: inserts one users row; uq_users_email is the guard against two racing sign-ups.
-- requires: raise_error
DROP PROCEDURE IF EXISTS register_user;

DELIMITER $$

CREATE PROCEDURE register_user (
    IN p_email VARCHAR(255),
    IN p_password_hash VARCHAR(255),
    IN p_full_name VARCHAR(200),
    IN p_phone VARCHAR(32),
    OUT p_user_id BIGINT
)
MODIFIES SQL DATA
SQL SECURITY DEFINER
COMMENT 'Registers a user; returns the user id'
BEGIN
    DECLARE v_email VARCHAR(255) DEFAULT LOWER(TRIM(p_email));
    DECLARE EXIT HANDLER FOR 1062
    BEGIN
        ROLLBACK;
        CALL raise_error(50005, 'email is already registered');
    END;
    DECLARE EXIT HANDLER FOR SQLEXCEPTION
    BEGIN
        ROLLBACK;
        RESIGNAL;
    END;

    IF v_email IS NULL OR v_email NOT REGEXP '^[^@[:space:]]+@[^@[:space:]]+\\.[^@[:space:]]+$' THEN
        CALL raise_error(50001, 'email is not a valid address');
    ELSEIF COALESCE(CHAR_LENGTH(p_password_hash), 0) = 0 THEN
        CALL raise_error(50001, 'password hash must not be empty');
    ELSEIF COALESCE(CHAR_LENGTH(TRIM(p_full_name)), 0) = 0 THEN
        CALL raise_error(50001, 'full name must not be empty');
    END IF;

    START TRANSACTION;
    INSERT INTO users (email, password_hash, full_name, phone, created_at)
    VALUES (v_email, p_password_hash, TRIM(p_full_name), NULLIF(TRIM(p_phone), ''), UTC_TIMESTAMP());
    SET p_user_id = LAST_INSERT_ID();
    COMMIT;
END$$

DELIMITER ;
