-- read_bookable_segments: the segments of a booking of several trips, read for
-- create_reservation and purchase: each segment in lock order (ascending trip_id,
-- segments_in_lock_order) read by read_bookable_segment, which names the first error. Returns
-- the fares in that order, [[trip_id, fare_class_id, segment_no, price, seat_prefix], ...] (read
-- them back with JSON_UNQUOTE: MariaDB stores a BIGINT variable in JSON_ARRAY as a string), the
-- total for p_passenger_count passengers, its currency, the first departure and the hold setting.
-- Internal: runs inside the caller's transaction, which rolls back on the error.
-- Errors: those of read_bookable_segment; INVALID_ARGUMENT when the segments are priced in
--         different currencies.
-- Locks: none (plain reads).
-- requires: raise_error, segments_in_lock_order, read_bookable_segment
DROP PROCEDURE IF EXISTS read_bookable_segments;

DELIMITER $$

CREATE PROCEDURE read_bookable_segments (
    IN p_user_id BIGINT,
    IN p_segments JSON,
    IN p_trip_ids JSON,
    IN p_segment_count INT,
    IN p_passenger_count INT,
    IN p_now DATETIME,
    OUT p_fares JSON,
    OUT p_total DECIMAL(12, 2),
    OUT p_currency CHAR(3),
    OUT p_first_departs DATETIME,
    OUT p_hold_minutes INT
)
READS SQL DATA
SQL SECURITY INVOKER
COMMENT 'Internal: reads the bookable segments of a booking of several trips, in lock order'
BEGIN
    DECLARE v_step INT DEFAULT 0;
    DECLARE v_lock_order JSON;
    DECLARE v_segment_no TINYINT;
    DECLARE v_trip_id BIGINT;
    DECLARE v_fare_class_id TINYINT;
    DECLARE v_price DECIMAL(12, 2);
    DECLARE v_fare_currency CHAR(3);
    DECLARE v_prefix CHAR(1);
    DECLARE v_departs DATETIME;
    SET p_fares = JSON_ARRAY(), p_total = 0;
    CALL segments_in_lock_order(p_trip_ids, p_segment_count, v_lock_order);
    WHILE v_step < p_segment_count DO
        SET v_segment_no = JSON_EXTRACT(v_lock_order, CONCAT('$[', v_step, ']'));
        SET v_trip_id = JSON_EXTRACT(p_trip_ids, CONCAT('$[', v_segment_no - 1, ']'));
        CALL read_bookable_segment(
            p_user_id, v_trip_id,
            JSON_UNQUOTE(JSON_EXTRACT(p_segments, CONCAT('$[', v_segment_no - 1, '].fare_class'))), p_now,
            v_fare_class_id, v_price, v_fare_currency, v_prefix, v_departs, p_hold_minutes
        );
        IF v_fare_currency <> COALESCE(p_currency, v_fare_currency) THEN
            CALL raise_error(50001, 'segments are priced in different currencies');
        END IF;
        SET p_currency = v_fare_currency;
        SET p_total = p_total + v_price * p_passenger_count;
        SET p_first_departs = LEAST(COALESCE(p_first_departs, v_departs), v_departs);
        SET p_fares = JSON_ARRAY_APPEND(
            p_fares, '$', JSON_ARRAY(v_trip_id, v_fare_class_id, v_segment_no, CAST(v_price AS CHAR), v_prefix)
        );
        SET v_step = v_step + 1;
    END WHILE;
END$$

DELIMITER ;
