-- segments_in_lock_order: the order in which a booking locks its fares, for create_reservation
-- and purchase: the segment numbers (1-based, as the customer listed them) sorted by ascending
-- trip_id, so that bookings of A+B and of B+A take their fare locks in the same order and
-- cannot deadlock each other. p_trip_ids: the segments' trip ids in the order given, distinct
-- (check_booking_request). Returns e.g. [2, 1] for trips [30, 10].
-- Internal: no account may call it.
-- Errors: none. Locks: none (reads nothing but its arguments).
DROP PROCEDURE IF EXISTS segments_in_lock_order;

DELIMITER $$

CREATE PROCEDURE segments_in_lock_order (IN p_trip_ids JSON, IN p_count INT, OUT p_order JSON)
NO SQL
SQL SECURITY INVOKER
COMMENT 'Internal: segment numbers sorted by trip_id, the order bookings lock fares in'
BEGIN
    DECLARE v_step INT DEFAULT 0;
    DECLARE v_index INT;
    DECLARE v_trip_id BIGINT;
    DECLARE v_previous_trip_id BIGINT;
    DECLARE v_candidate BIGINT;
    DECLARE v_segment_no INT;
    -- One segment (most bookings) is in order already.
    IF p_count = 1 THEN
        SET p_order = JSON_ARRAY(1);
    ELSE
        -- Selection by "next smallest after the previous": at most 4 segments.
        SET p_order = JSON_ARRAY();
        WHILE v_step < p_count DO
            SET v_previous_trip_id = v_trip_id;
            SET v_trip_id = NULL;
            SET v_index = 0;
            WHILE v_index < p_count DO
                SET v_candidate = JSON_EXTRACT(p_trip_ids, CONCAT('$[', v_index, ']'));
                IF
                    (v_step = 0 OR v_candidate > v_previous_trip_id)
                    AND (v_trip_id IS NULL OR v_candidate < v_trip_id) THEN
                    SET v_trip_id = v_candidate;
                    SET v_segment_no = v_index + 1;
                END IF;
                SET v_index = v_index + 1;
            END WHILE;
            SET p_order = JSON_ARRAY_APPEND(p_order, '$', v_segment_no);
            SET v_step = v_step + 1;
        END WHILE;
    END IF;
END$$

DELIMITER ;
