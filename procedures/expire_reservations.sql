-- expire_reservations: held reservations whose expires_at has passed become expired and their
-- seats return to sale, at most p_batch_size per call (the event calls it every minute, in a
-- loop, until a call expires fewer than a batch). Returns how many were expired.
-- Errors: INVALID_ARGUMENT (batch size not 1-10000).
-- Concurrency: picks lapsed holds with FOR UPDATE SKIP LOCKED, oldest first: a hold being paid
-- or cancelled right now is left to that session (which decides its fate under the same row
-- lock) and never waited for. Then release_seats updates fares in ascending (trip_id,
-- fare_class_id) order, aggregated over the batch, so a large batch costs one update per fare.
-- requires: raise_error, release_seats, utc_now
DROP PROCEDURE IF EXISTS expire_reservations;

DELIMITER $$

CREATE PROCEDURE expire_reservations (IN p_batch_size INT, OUT p_expired INT)
MODIFIES SQL DATA
SQL SECURITY DEFINER
COMMENT 'Expires lapsed holds, at most a batch; returns how many'
BEGIN
    DECLARE v_now DATETIME DEFAULT utc_now();
    DECLARE v_reservation_id BIGINT;
    DECLARE v_ids JSON DEFAULT JSON_ARRAY();
    DECLARE v_done INT DEFAULT 0;
    -- sqlfluff's mysql grammar lacks FOR UPDATE after LIMIT, hence the noqa.
    DECLARE c_lapsed CURSOR FOR
        SELECT reservation_id
        FROM reservations
        WHERE status = 'held' AND expires_at <= v_now
        ORDER BY expires_at
        LIMIT p_batch_size
        FOR UPDATE SKIP LOCKED; -- noqa: PRS
    DECLARE CONTINUE HANDLER FOR NOT FOUND SET v_done = 1;
    DECLARE EXIT HANDLER FOR SQLEXCEPTION
    BEGIN
        ROLLBACK;
        SET p_expired = NULL;
        RESIGNAL;
    END;

    -- The caller's session reaches in here: switch back on the checks this procedure relies on,
    -- and let auto-increment choose the keys (SET insert_id could pick a key near the maximum).
    SET foreign_key_checks = 1, unique_checks = 1, insert_id = 0;

    IF p_batch_size IS NULL OR p_batch_size NOT BETWEEN 1 AND 10000 THEN
        CALL raise_error(50001, 'batch size must be between 1 and 10000');
    END IF;

    -- READ COMMITTED: reads see what other sessions committed and searches take no gap locks.
    -- SET TRANSACTION needs no transaction open; START TRANSACTION would end one anyway.
    COMMIT;
    SET TRANSACTION ISOLATION LEVEL READ COMMITTED;
    START TRANSACTION;
    SET p_expired = 0;
    -- an earlier SELECT ... INTO that found no row set v_done through the NOT FOUND handler
    SET v_done = 0;
    OPEN c_lapsed;
    lapsed: LOOP
        FETCH c_lapsed INTO v_reservation_id;
        IF v_done THEN
            LEAVE lapsed;
        END IF;
        SET v_ids = JSON_ARRAY_APPEND(v_ids, '$', v_reservation_id);
        SET p_expired = p_expired + 1;
    END LOOP;
    CLOSE c_lapsed;
    IF p_expired > 0 THEN
        CALL release_seats(v_ids, 'expired', v_now);
    END IF;
    COMMIT;
END$$

DELIMITER ;
