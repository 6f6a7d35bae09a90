-- schema_status: what the API's health check needs to know about the schema, for an account
-- (travel_app) that may only execute routines.
-- Result sets: 1) the latest schema_history row of every script (the columns of
-- `travel info`'s query); 2) one row `event_scheduler` (ON, OFF or DISABLED); 3) one row
-- `session_clock` (server, or session: SET timestamp moves the procedures' clock; warn).
-- Errors: none. Reads only; the caller compares the history with the files it ships.
DROP PROCEDURE IF EXISTS schema_status;

DELIMITER $$

CREATE PROCEDURE schema_status ()
READS SQL DATA
SQL SECURITY DEFINER
COMMENT 'Latest migration history per script and the event scheduler state, for health checks'
BEGIN
    WITH ranked AS (
        SELECT
            h.installed_rank,
            h.version,
            h.description,
            h.type,
            h.script,
            h.checksum,
            h.installed_by,
            h.installed_on,
            h.execution_ms,
            h.success,
            h.statements_applied,
            h.statements_total,
            ROW_NUMBER() OVER (PARTITION BY h.script ORDER BY h.installed_rank DESC) AS recency
        FROM schema_history AS h
    )

    SELECT
        installed_rank,
        version,
        description,
        type,
        script,
        checksum,
        installed_by,
        installed_on,
        execution_ms,
        success,
        statements_applied,
        statements_total
    FROM ranked
    WHERE recency = 1
    ORDER BY installed_rank;

    SELECT @@GLOBAL.event_scheduler AS event_scheduler;

    SELECT COALESCE(MAX(setting_value), 'server') AS session_clock FROM settings
    WHERE setting_key = 'session_clock';
END$$

DELIMITER ;
