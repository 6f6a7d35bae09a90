-- release_seats: ends reservations the caller has locked, returning their seats to sale: held
-- seats leave trip_fares.seats_held, sold seats leave seats_sold and their tickets are voided;
-- segments stop being held; each reservation gets p_new_status (cancelled or expired) at p_now
-- (the caller's trusted clock, which the status history records).
-- Internal: called inside the caller's transaction by expire_reservations, cancel_reservation,
-- cancel_trip and create_reservation (reclaiming expired holds). Refunds are the caller's.
-- p_reservation_ids is a JSON array of ids, each locked FOR UPDATE by the caller and held or
-- confirmed.
-- Errors: none of its own (counters cannot go negative: the columns are unsigned).
-- Locks: trip_fares rows one statement each, in ascending (trip_id, fare_class_id) order, the
-- order every procedure uses, so releases never deadlock with bookings; then tickets and
-- segments of the given reservations, which only holders of the reservation lock touch.
DROP PROCEDURE IF EXISTS release_seats;

DELIMITER $$

CREATE PROCEDURE release_seats (IN p_reservation_ids JSON, IN p_new_status VARCHAR(10), IN p_now DATETIME)
MODIFIES SQL DATA
SQL SECURITY INVOKER
COMMENT 'Internal: ends locked reservations and returns their seats to sale'
BEGIN
    DECLARE v_done INT DEFAULT 0;
    DECLARE v_trip_id BIGINT;
    DECLARE v_fare_class_id TINYINT;
    DECLARE v_held INT;
    DECLARE v_sold INT;
    DECLARE v_next INT DEFAULT 0;
    DECLARE v_reservation_id BIGINT;
    DECLARE c_fares CURSOR FOR
        SELECT
            s.trip_id,
            s.fare_class_id,
            SUM(IF(r.status = 'held', s.seats, 0)) AS held,
            SUM(IF(r.status = 'confirmed', s.seats, 0)) AS sold
        FROM JSON_TABLE(p_reservation_ids, '$[*]' COLUMNS (reservation_id BIGINT PATH '$')) AS ids
        INNER JOIN reservations AS r ON ids.reservation_id = r.reservation_id
        INNER JOIN reservation_segments AS s ON r.reservation_id = s.reservation_id
        GROUP BY s.trip_id, s.fare_class_id
        ORDER BY s.trip_id, s.fare_class_id;
    DECLARE CONTINUE HANDLER FOR NOT FOUND SET v_done = 1;

    -- an earlier SELECT ... INTO that found no row set v_done through the NOT FOUND handler
    SET v_done = 0;
    OPEN c_fares;
    fares: LOOP
        FETCH c_fares INTO v_trip_id, v_fare_class_id, v_held, v_sold;
        IF v_done THEN
            LEAVE fares;
        END IF;
        UPDATE trip_fares
        SET
            seats_held = seats_held - v_held,
            seats_sold = seats_sold - v_sold
        WHERE trip_id = v_trip_id AND fare_class_id = v_fare_class_id;
    END LOOP;
    CLOSE c_fares;

    -- One reservation at a time, each by its key: an IN (SELECT ... FROM JSON_TABLE(...))
    -- UPDATE was planned as a scan of the whole table, which under load made an expiry batch of
    -- 1,000 take seconds and queue every booking behind it (bench/expiry.py).
    WHILE v_next < JSON_LENGTH(p_reservation_ids) DO
        SET v_reservation_id = JSON_UNQUOTE(JSON_EXTRACT(p_reservation_ids, CONCAT('$[', v_next, ']')));
        UPDATE tickets
        SET status = 'void'
        WHERE reservation_id = v_reservation_id AND status = 'active';
        UPDATE reservation_segments
        SET held_until = NULL
        WHERE reservation_id = v_reservation_id AND held_until IS NOT NULL;
        UPDATE reservations
        SET status = p_new_status, updated_at = p_now
        WHERE reservation_id = v_reservation_id AND status IN ('held', 'confirmed');
        SET v_next = v_next + 1;
    END WHILE;
END$$

DELIMITER ;
