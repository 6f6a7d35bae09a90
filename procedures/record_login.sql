-- record_login: records a login attempt (for security and the active_users report).
-- Errors: NOT_FOUND (no such user), INVALID_ARGUMENT (success not given).
-- Locks: inserts one login_events row.
-- requires: raise_error, utc_now
DROP PROCEDURE IF EXISTS record_login;

DELIMITER $$

CREATE PROCEDURE record_login (IN p_user_id BIGINT, IN p_success BOOLEAN, IN p_ip VARCHAR(45))
MODIFIES SQL DATA
SQL SECURITY DEFINER
COMMENT 'Records a successful or failed login of a user'
BEGIN
    DECLARE EXIT HANDLER FOR 1452
    BEGIN
        ROLLBACK;
        CALL raise_error(50002, 'user does not exist');
    END;
    DECLARE EXIT HANDLER FOR SQLEXCEPTION
    BEGIN
        ROLLBACK;
        RESIGNAL;
    END;

    -- The caller's session reaches in here: switch back on the checks this procedure relies on,
    -- and let auto-increment choose the keys (SET insert_id could pick a key near the maximum).
    SET foreign_key_checks = 1, unique_checks = 1, insert_id = 0;

    IF p_user_id IS NULL OR p_user_id < 1 THEN
        CALL raise_error(50002, 'user does not exist');
    ELSEIF p_success IS NULL THEN
        CALL raise_error(50001, 'success must be true or false');
    END IF;

    START TRANSACTION;
    INSERT INTO login_events (user_id, success, ip, created_at)
    VALUES (p_user_id, IF(p_success, 1, 0), NULLIF(TRIM(p_ip), ''), utc_now());
    COMMIT;
END$$

DELIMITER ;
