-- cancel_trip: the carrier cancels a trip. Every held or confirmed reservation touching it is
-- cancelled whole (all its segments): held ones release their seats, confirmed ones void their
-- tickets and are refunded in full. Returns how many reservations were cancelled.
-- Errors: NOT_FOUND (no such trip), INVALID_STATE (already cancelled), TOO_LATE (departed).
-- Concurrency: locks the trip row FOR UPDATE first (two cancels of one trip queue here). Then
-- the affected reservations FOR UPDATE (other procedures hold at most one reservation lock
-- while waiting, or skip locked ones, so the order among them cannot deadlock), then every fare
-- of the trip (on_sale = 0), then the reservations again, then release_seats updates fares in
-- ascending (trip_id, fare_class_id) order: reservations before fares, as in every other
-- procedure. Bookings read trips without a lock and meet this procedure on the fare rows: a
-- hold or sale updates its fare guarded by on_sale, so one that wrote its fare first commits
-- before the on_sale write gets the row, and the second read of the reservations finds it (on
-- one server and on Galera alike); one that comes later finds the fare off sale.
-- requires: raise_error, release_seats, utc_now
DROP PROCEDURE IF EXISTS cancel_trip;

DELIMITER $$

CREATE PROCEDURE cancel_trip (IN p_trip_id BIGINT, IN p_reason VARCHAR(200), OUT p_affected INT)
MODIFIES SQL DATA
SQL SECURITY DEFINER
COMMENT 'Cancels a trip and every reservation on it, refunding paid ones in full'
BEGIN
    DECLARE v_now DATETIME DEFAULT utc_now();
    DECLARE v_status VARCHAR(10);
    DECLARE v_departs DATETIME;
    DECLARE v_ids JSON;
    DECLARE EXIT HANDLER FOR SQLEXCEPTION
    BEGIN
        ROLLBACK;
        SET p_affected = NULL;
        RESIGNAL;
    END;

    -- The caller's session reaches in here: switch back on the checks this procedure relies on,
    -- and let auto-increment choose the keys (SET insert_id could pick a key near the maximum).
    SET foreign_key_checks = 1, unique_checks = 1, insert_id = 0;

    -- READ COMMITTED: reads see what other sessions committed and searches take no gap locks.
    -- SET TRANSACTION needs no transaction open; START TRANSACTION would end one anyway.
    COMMIT;
    SET TRANSACTION ISOLATION LEVEL READ COMMITTED;
    START TRANSACTION;
    SELECT
        status,
        departs_at
    INTO v_status, v_departs
    FROM trips
    WHERE trip_id = p_trip_id
    FOR UPDATE;
    IF v_status IS NULL THEN
        CALL raise_error(50002, 'trip does not exist');
    ELSEIF v_status = 'cancelled' THEN
        CALL raise_error(50004, 'trip is already cancelled');
    ELSEIF v_status = 'departed' OR v_departs <= v_now THEN
        CALL raise_error(50008, 'trip has already departed');
    END IF;
    UPDATE trips SET status = 'cancelled', cancel_reason = LEFT(p_reason, 200)
    WHERE trip_id = p_trip_id;

    SELECT
        COUNT(*) AS affected,
        COALESCE(JSON_ARRAYAGG(r.reservation_id), JSON_ARRAY()) AS ids
    INTO p_affected, v_ids
    FROM reservations AS r
    WHERE
        r.status IN ('held', 'confirmed')
        AND r.reservation_id IN (
            SELECT s.reservation_id FROM reservation_segments AS s
            WHERE s.trip_id = p_trip_id
        )
    FOR UPDATE;
    -- Every fare of the trip stops selling. Bookings and payments update their fare guarded by
    -- on_sale, so on Galera (node-local locks) a sale racing this cancel on another node writes
    -- a common row and certification aborts one of the two.
    UPDATE trip_fares SET on_sale = 0
    WHERE trip_id = p_trip_id;
    -- Read the reservations again, now that the fares are ours: a booking that updated a fare
    -- before this write committed before it could proceed (on Galera: was applied, or conflicts
    -- with the write), so this read finds every reservation that holds seats on the trip.
    SELECT
        COUNT(*) AS affected,
        COALESCE(JSON_ARRAYAGG(r.reservation_id), JSON_ARRAY()) AS ids
    INTO p_affected, v_ids
    FROM reservations AS r
    WHERE
        r.status IN ('held', 'confirmed')
        AND r.reservation_id IN (
            SELECT s.reservation_id FROM reservation_segments AS s
            WHERE s.trip_id = p_trip_id
        )
    FOR UPDATE;
    IF p_affected > 0 THEN
        INSERT INTO refunds (reservation_id, amount, currency, refund_percent, reason, created_at)
        SELECT
            r.reservation_id,
            COALESCE(SUM(pay.amount), 0) AS amount,
            r.currency,
            100 AS refund_percent,
            CONCAT('trip cancelled by the carrier: ', LEFT(COALESCE(p_reason, ''), 160)) AS reason,
            v_now AS created_at
        FROM reservations AS r
        LEFT JOIN payments AS pay ON r.reservation_id = pay.reservation_id
        WHERE
            r.status = 'confirmed'
            AND r.reservation_id IN (
                SELECT ids.reservation_id
                FROM JSON_TABLE(v_ids, '$[*]' COLUMNS (reservation_id BIGINT PATH '$')) AS ids
            )
        GROUP BY r.reservation_id, r.currency;
        CALL release_seats(v_ids, 'cancelled', v_now);
    END IF;
    COMMIT;
END$$

DELIMITER ;
