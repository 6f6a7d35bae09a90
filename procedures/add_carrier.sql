-- add_carrier: adds an airline, railway or bus operator.
-- Errors: INVALID_ARGUMENT (code not 2-10 letters/digits, empty name, mode not air|rail|bus),
--         DUPLICATE (code taken).
-- Locks: inserts one carriers row; the unique code is the guard against a racing twin.
-- requires: raise_error, utc_now
DROP PROCEDURE IF EXISTS add_carrier;

DELIMITER $$

CREATE PROCEDURE add_carrier (
    IN p_code VARCHAR(10),
    IN p_name VARCHAR(200),
    IN p_mode VARCHAR(5),
    OUT p_carrier_id INT
)
MODIFIES SQL DATA
SQL SECURITY DEFINER
COMMENT 'Adds a carrier of one mode; returns its id'
BEGIN
    DECLARE v_code VARCHAR(10) DEFAULT UPPER(TRIM(p_code));
    DECLARE v_mode VARCHAR(5) DEFAULT LOWER(TRIM(p_mode));
    DECLARE EXIT HANDLER FOR 1062
    BEGIN
        ROLLBACK;
        CALL raise_error(50005, CONCAT('carrier code ', v_code, ' already exists'));
    END;
    DECLARE EXIT HANDLER FOR SQLEXCEPTION
    BEGIN
        ROLLBACK;
        RESIGNAL;
    END;

    -- The caller's session reaches in here: switch back on the checks this procedure relies on,
    -- and let auto-increment choose the keys (SET insert_id could pick a key near the maximum).
    SET foreign_key_checks = 1, unique_checks = 1, insert_id = 0;

    IF v_code IS NULL OR v_code NOT REGEXP '^[A-Z0-9]{2,10}$' THEN
        CALL raise_error(50001, 'carrier code must be 2 to 10 letters or digits');
    ELSEIF COALESCE(CHAR_LENGTH(TRIM(p_name)), 0) = 0 THEN
        CALL raise_error(50001, 'carrier name must not be empty');
    ELSEIF v_mode IS NULL OR v_mode NOT IN ('air', 'rail', 'bus') THEN
        CALL raise_error(50001, 'mode must be air, rail or bus');
    END IF;

    START TRANSACTION;
    INSERT INTO carriers (code, name, mode, created_at) VALUES (v_code, TRIM(p_name), v_mode, utc_now());
    SET p_carrier_id = LAST_INSERT_ID();
    COMMIT;
END$$

DELIMITER ;
