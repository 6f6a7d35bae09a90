-- register_user: creates a customer account; the email is stored trimmed and lower-cased.
-- Errors: INVALID_ARGUMENT (bad email, empty hash or name), DUPLICATE (email registered).
-- Locks: inserts one users row and its user_credentials row; uq_users_email is the guard against two racing sign-ups.
-- requires: raise_error, utc_now
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

    -- The caller's session reaches in here: switch back on the checks this procedure relies on,
    -- and let auto-increment choose the keys (SET insert_id could pick a key near the maximum).
    SET foreign_key_checks = 1, unique_checks = 1, insert_id = 0;

    IF v_email IS NULL OR v_email NOT REGEXP '^[^@[:space:]]+@[^@[:space:]]+\\.[^@[:space:]]+$' THEN
        CALL raise_error(50001, 'email is not a valid address');
    ELSEIF COALESCE(CHAR_LENGTH(p_password_hash), 0) = 0 THEN
        CALL raise_error(50001, 'password hash must not be empty');
    ELSEIF COALESCE(CHAR_LENGTH(TRIM(p_full_name)), 0) = 0 THEN
        CALL raise_error(50001, 'full name must not be empty');
    END IF;

    START TRANSACTION;
    INSERT INTO users (email, full_name, phone, created_at)
    VALUES (v_email, TRIM(p_full_name), NULLIF(TRIM(p_phone), ''), utc_now());
    SET p_user_id = LAST_INSERT_ID();
    INSERT INTO user_credentials (user_id, password_hash, created_at)
    VALUES (p_user_id, p_password_hash, utc_now());
    COMMIT;
END$$

DELIMITER ;
