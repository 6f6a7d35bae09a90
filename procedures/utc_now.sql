-- utc_now: the one clock every procedure, trigger and event reads (CONTRACT.md, Conventions).
-- With the setting session_clock = 'server' (the default) it is the server's own clock:
-- SYSDATE() is the time the function runs, which SET timestamp does not move, read in UTC
-- whatever time zone the caller's session has. With session_clock = 'session' (tests, demo
-- seeding) it is UTC_TIMESTAMP(), which SET timestamp moves.
-- Cost: the setting is read only when the two clocks disagree (a moved session clock, or a
-- second that ticked since the statement began); when they agree both settings give the same
-- answer, so the usual call reads no table (a settings read was ~5 % of a booking's CPU).
-- Errors: none. Locks: none (reads one settings row, at most).
DROP FUNCTION IF EXISTS utc_now;

DELIMITER $$

CREATE FUNCTION utc_now()
RETURNS DATETIME
NOT DETERMINISTIC
READS SQL DATA
SQL SECURITY DEFINER
COMMENT 'Current UTC time from the trusted clock (settings.session_clock)'
BEGIN
    DECLARE v_zone VARCHAR(64) DEFAULT @@session.time_zone;
    DECLARE v_now DATETIME;
    -- SYSDATE() follows the session time zone, which the caller may have moved: read it in UTC
    -- and give the caller's zone back.
    SET time_zone = '+00:00';
    SET v_now = SYSDATE();
    SET time_zone = v_zone;
    IF v_now <> UTC_TIMESTAMP() AND (
        SELECT setting_value FROM settings
        WHERE setting_key = 'session_clock'
    ) = 'session' THEN
        RETURN UTC_TIMESTAMP();
    END IF;
    RETURN v_now;
END$$

DELIMITER ;
