-- take_seats: takes p_seats seats of one fare for create_reservation (held, p_sell = 0) and
-- purchase (sold at once, p_sell = 1), in one guarded UPDATE: the fare on sale and
-- held + sold + p_seats <= capacity, checked with ROW_COUNT(), never read-then-write (the CHECK
-- ck_trip_fares_seats is the backstop). When the fare looks full, the lapsed holds on it are
-- reclaimed in this transaction (reclaim_expired_holds, SKIP LOCKED) and the update is tried once
-- more: expired holds are free at once, not when the event next runs. Sold seats are numbered
-- from seats_issued: p_last_seat is the new seats_issued (LAST_INSERT_ID(expr) hands it back
-- from the same statement), so this call's seats are p_last_seat - p_seats + 1 .. p_last_seat.
-- Internal: runs inside the caller's transaction; the fare row stays locked until it commits.
-- Errors: INVALID_STATE (the fare went off sale: cancel_trip committed since the trip was read,
--         perhaps on another Galera node), SOLD_OUT (not enough seats left).
-- Locks: the fare row (X), and lapsed holds on it (SKIP LOCKED).
-- requires: raise_error, reclaim_expired_holds
DROP PROCEDURE IF EXISTS take_seats;

DELIMITER $$

CREATE PROCEDURE take_seats (
    IN p_trip_id BIGINT,
    IN p_fare_class_id TINYINT,
    IN p_seats INT,
    IN p_sell TINYINT,
    IN p_now DATETIME,
    OUT p_last_seat INT
)
MODIFIES SQL DATA
SQL SECURITY INVOKER
COMMENT 'Internal: holds or sells seats of one fare with one guarded update'
BEGIN
    DECLARE v_reclaimed INT DEFAULT 0;
    DECLARE v_on_sale TINYINT;
    take: LOOP
        IF p_sell THEN
            UPDATE trip_fares
            SET
                seats_sold = seats_sold + p_seats,
                seats_issued = LAST_INSERT_ID(seats_issued + p_seats)
            WHERE
                trip_id = p_trip_id
                AND fare_class_id = p_fare_class_id
                AND on_sale = 1
                AND seats_held + seats_sold + p_seats <= capacity;
        ELSE
            UPDATE trip_fares
            SET seats_held = seats_held + p_seats
            WHERE
                trip_id = p_trip_id
                AND fare_class_id = p_fare_class_id
                AND on_sale = 1
                AND seats_held + seats_sold + p_seats <= capacity;
        END IF;
        IF ROW_COUNT() > 0 THEN
            LEAVE take;
        ELSEIF v_reclaimed THEN
            SELECT on_sale INTO v_on_sale FROM trip_fares
            WHERE trip_id = p_trip_id AND fare_class_id = p_fare_class_id;
            IF v_on_sale = 0 THEN
                CALL raise_error(50004, 'trip is cancelled');
            END IF;
            CALL raise_error(50003, CONCAT('not enough seats left on trip ', p_trip_id));
        END IF;
        CALL reclaim_expired_holds(p_trip_id, p_fare_class_id, p_now);
        SET v_reclaimed = 1;
    END LOOP;
    SET p_last_seat = IF(p_sell, LAST_INSERT_ID(), NULL);
END$$

DELIMITER ;
