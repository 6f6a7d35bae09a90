-- purge_expired_reservations: deletes reservations that ended without ever being paid
-- (expired, or cancelled while held) and were created more than p_older_than_days days ago,
-- with their segments, passengers and status history. Paid reservations are never purged:
-- money is kept (and fk_payments_reservations would refuse). Returns how many were deleted.
-- Errors: INVALID_ARGUMENT (days negative or missing).
-- Concurrency: deletes in batches of 5,000 reservations, one transaction each, so no statement
-- is large (Galera replicates each transaction whole) and locks are held briefly. Only
-- finished reservations are touched, which no other procedure changes.
-- requires: raise_error
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

    IF p_older_than_days IS NULL OR p_older_than_days < 0 THEN
        CALL raise_error(50001, 'days must be zero or more');
    END IF;
    SET v_cutoff = UTC_TIMESTAMP() - INTERVAL p_older_than_days DAY;
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
