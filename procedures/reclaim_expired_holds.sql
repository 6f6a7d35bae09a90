-- reclaim_expired_holds: expires the lapsed holds on one fare so their seats can be sold now,
-- without waiting for the expiry event. Internal: called by create_reservation inside its
-- transaction when a fare looks sold out.
-- Errors: none of its own.
-- Locks: the lapsed reservations (and their segments) FOR UPDATE SKIP LOCKED: a hold another
-- session is paying or expiring is skipped rather than waited for, so the booking (which
-- already holds fare rows) never waits on a reservation lock, and the order rows are met in
-- does not matter. Then release_seats.
-- requires: release_seats
DROP PROCEDURE IF EXISTS reclaim_expired_holds;

DELIMITER $$

CREATE PROCEDURE reclaim_expired_holds (IN p_trip_id BIGINT, IN p_fare_class_id TINYINT, IN p_now DATETIME)
MODIFIES SQL DATA
SQL SECURITY INVOKER
COMMENT 'Internal: expires lapsed holds on one fare inside the caller transaction'
BEGIN
    DECLARE v_done INT DEFAULT 0;
    DECLARE v_reservation_id BIGINT;
    DECLARE v_ids JSON DEFAULT JSON_ARRAY();
    DECLARE c_lapsed CURSOR FOR
        SELECT r.reservation_id
        -- FORCE INDEX: EXPLAIN showed the optimizer taking the held_until index for this shape,
        -- which would read, and here lock, the lapsed holds of every trip instead of this fare's.
        FROM reservation_segments AS s FORCE INDEX (idx_reservation_segments_trip_fare_held_until)
        INNER JOIN reservations AS r ON s.reservation_id = r.reservation_id
        WHERE
            s.trip_id = p_trip_id
            AND s.fare_class_id = p_fare_class_id
            AND s.held_until <= p_now
            AND r.status = 'held'
            AND r.expires_at <= p_now
        FOR UPDATE SKIP LOCKED;
    DECLARE CONTINUE HANDLER FOR NOT FOUND SET v_done = 1;

    -- an earlier SELECT ... INTO that found no row set v_done through the NOT FOUND handler
    SET v_done = 0;
    OPEN c_lapsed;
    lapsed: LOOP
        FETCH c_lapsed INTO v_reservation_id;
        IF v_done THEN
            LEAVE lapsed;
        END IF;
        SET v_ids = JSON_ARRAY_APPEND(v_ids, '$', v_reservation_id);
    END LOOP;
    CLOSE c_lapsed;

    IF JSON_LENGTH(v_ids) > 0 THEN
        CALL release_seats(v_ids, 'expired', p_now);
    END IF;
END$$

DELIMITER ;
