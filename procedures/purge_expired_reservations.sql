-- purge_expired_reservations: deletes reservations that ended without ever being paid
-- (expired, or cancelled while held) and were created more than p_older_than_days days ago,
-- with their segments, passengers and status history. Paid reservations are never purged:
-- money is kept (and fk_payments_reservations would refuse). Returns how many were deleted.
-- Errors: INVALID_ARGUMENT (days missing, negative or over 100 years).
-- Concurrency: deletes in batches of 5,000 reservations, one transaction each, so no statement
-- is large (Galera replicates each transaction whole) and locks are held briefly. Only
-- finished reservations are touched, which no other procedure changes.
-- requires: raise_error, utc_now
DROP PROCEDURE IF EXISTS purge_expired_reservations;

DELIMITER $$

CREATE PROCEDURE purge_expired_reservations (IN p_older_than_days INT, OUT p_purged INT)
MODIFIES SQL DATA
SQL SECURITY DEFINER
COMMENT 'Deletes old never-paid reservations in batches; returns how many'
BEGIN
    DECLARE v_cutoff DATETIME;
    DECLARE v_deleted INT DEFAULT 1;
    DECLARE EXIT HANDLER FOR SQLEXCEPTION
    BEGIN
        ROLLBACK;
        RESIGNAL;
    END;

    -- The caller's session reaches in here: switch back on the checks this procedure relies on,
    -- and let auto-increment choose the keys (SET insert_id could pick a key near the maximum).
    SET foreign_key_checks = 1, unique_checks = 1, insert_id = 0;

    IF p_older_than_days IS NULL OR p_older_than_days NOT BETWEEN 0 AND 36500 THEN
        CALL raise_error(50001, 'days must be between 0 and 36500');
    END IF;
    SET v_cutoff = utc_now() - INTERVAL p_older_than_days DAY;
    SET p_purged = 0;
    WHILE v_deleted > 0 DO
        START TRANSACTION;
        DELETE FROM reservations
        WHERE
            status IN ('expired', 'cancelled')
            AND created_at < v_cutoff
            AND NOT EXISTS (
                SELECT 1 FROM payments AS pay
                WHERE pay.reservation_id = reservations.reservation_id
            )
        LIMIT 5000;
        SET v_deleted = ROW_COUNT();
        SET p_purged = p_purged + v_deleted;
        COMMIT;
    END WHILE;
END$$

DELIMITER ;
