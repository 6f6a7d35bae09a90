-- Housekeeping events. They need the event scheduler (OFF by default on MariaDB: `travel info`
-- and `travel events status` warn). Created after the session time zone is pinned to UTC by
-- the migration engine, with ON COMPLETION PRESERVE. On a replica they are disabled
-- (SLAVESIDE_DISABLED); on Galera an event runs on the node that created it.

DELIMITER $$

-- Every minute: expire lapsed holds in batches of 1,000 until a batch comes back short
-- (at most 50 batches a run, so one run stays short).
CREATE EVENT expire_lapsed_holds
ON SCHEDULE EVERY 1 MINUTE
ON COMPLETION PRESERVE
ENABLE
COMMENT 'Expires lapsed holds (CALL expire_reservations)'
DO
BEGIN
    DECLARE v_expired INT DEFAULT 1000;
    DECLARE v_rounds INT DEFAULT 0;
    WHILE v_expired >= 1000 AND v_rounds < 50 DO
        CALL expire_reservations(1000, v_expired);
        SET v_rounds = v_rounds + 1;
    END WHILE;
END$$

-- Daily: delete never-paid reservations that ended more than 30 days ago.
CREATE EVENT purge_old_reservations
ON SCHEDULE EVERY 1 DAY
ON COMPLETION PRESERVE
ENABLE
COMMENT 'Deletes old never-paid reservations (purge, 30 days)'
DO
BEGIN
    DECLARE v_purged INT;
    CALL purge_expired_reservations(30, v_purged);
END$$

DELIMITER ;
