-- utc_now: the one clock every procedure, trigger and event reads (CONTRACT.md, Conventions).
-- With the setting session_clock = 'server' (the default) it is the server's own clock:
-- SYSDATE() is the time the function runs, which SET timestamp does not move, read in UTC
-- whatever time zone the caller's session has. With session_clock = 'session' (tests, demo
-- seeding) it is UTC_TIMESTAMP(), which SET timestamp moves.
-- Errors: none. Locks: none (reads one settings row).
DROP FUNCTION IF EXISTS utc_now;

DELIMITER $$

CREATE FUNCTION utc_now()
RETURNS DATETIME
NOT DETERMINISTIC
READS SQL DATA
SQL SECURITY DEFINER
COMMENT 'Current UTC time from the trusted clock (settings.session_clock)'
BEGIN
    DECLARE v_clock VARCHAR(255);
    DECLARE v_zone VARCHAR(64) DEFAULT @@session.time_zone;
    DECLARE v_now DATETIME;
    SELECT setting_value INTO v_clock FROM settings
    WHERE setting_key = 'session_clock';
    IF v_clock = 'session' THEN
        RETURN UTC_TIMESTAMP();
    END IF;
    -- SYSDATE() follows the session time zone, which the caller may have moved: read it in UTC
    -- and give the caller's zone back.
    SET time_zone = '+00:00';
    SET v_now = SYSDATE();
    SET time_zone = v_zone;
    RETURN v_now;
END$$

DELIMITER ;
