-- add_station: adds an airport, railway or bus station.
-- Errors: INVALID_ARGUMENT (code not 2-10 letters/digits, empty name or city, country not two
--         letters), DUPLICATE (code taken).
-- Locks: inserts one stations row; the unique code is the guard against a racing twin.
-- requires: raise_error, utc_now
DROP PROCEDURE IF EXISTS add_station;

DELIMITER $$

CREATE PROCEDURE add_station (
    IN p_code VARCHAR(10),
    IN p_name VARCHAR(200),
    IN p_city VARCHAR(100),
    IN p_country CHAR(2),
    OUT p_station_id INT
)
MODIFIES SQL DATA
SQL SECURITY DEFINER
COMMENT 'Adds a station; returns its id'
BEGIN
    DECLARE v_code VARCHAR(10) DEFAULT UPPER(TRIM(p_code));
    DECLARE v_country CHAR(2) DEFAULT UPPER(TRIM(p_country));
    DECLARE EXIT HANDLER FOR 1062
    BEGIN
        ROLLBACK;
        CALL raise_error(50005, CONCAT('station code ', v_code, ' already exists'));
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
        CALL raise_error(50001, 'station code must be 2 to 10 letters or digits');
    ELSEIF COALESCE(CHAR_LENGTH(TRIM(p_name)), 0) = 0 OR COALESCE(CHAR_LENGTH(TRIM(p_city)), 0) = 0 THEN
        CALL raise_error(50001, 'station name and city must not be empty');
    ELSEIF v_country IS NULL OR v_country NOT REGEXP '^[A-Z]{2}$' THEN
        CALL raise_error(50001, 'country must be an ISO 3166 two-letter code');
    END IF;

    START TRANSACTION;
    INSERT INTO stations (code, name, city, country, created_at)
    VALUES (v_code, TRIM(p_name), TRIM(p_city), v_country, utc_now());
    SET p_station_id = LAST_INSERT_ID();
    COMMIT;
END$$

DELIMITER ;
