-- check_booking_request: the input rules of a booking, in one place for create_reservation and
-- purchase. p_segments: [{"trip_id": 1, "fare_class": "economy"}, ...] (1 to 4 distinct trips);
-- p_passengers: [{"full_name": "Ada Lovelace", "birth_date": "1990-12-10"}, ...] (1 to 9;
-- birth_date optional, a real past date). Returns the counts and the trip ids in the order given.
-- Internal: no account may call it.
-- Errors: INVALID_ARGUMENT (malformed JSON, counts out of range, a trip twice, a trip id that is
--         not a positive BIGINT, unknown fare class name, bad name or birth date).
-- Locks: none (reads nothing but its arguments).
-- requires: raise_error, is_past_date
DROP PROCEDURE IF EXISTS check_booking_request;

DELIMITER $$

CREATE PROCEDURE check_booking_request (
    IN p_segments JSON,
    IN p_passengers JSON,
    IN p_now DATETIME,
    OUT p_segment_count INT,
    OUT p_passenger_count INT,
    OUT p_trip_ids JSON
)
NO SQL
SQL SECURITY INVOKER
COMMENT 'Internal: refuses a malformed booking request (segments, passengers)'
BEGIN
    DECLARE v_index INT DEFAULT 0;
    DECLARE v_item JSON;
    SET p_trip_ids = JSON_ARRAY();
    IF p_segments IS NULL OR NOT JSON_VALID(p_segments) OR JSON_TYPE(p_segments) <> 'ARRAY' THEN
        CALL raise_error(50001, 'segments must be a JSON array');
    ELSEIF p_passengers IS NULL OR NOT JSON_VALID(p_passengers) OR JSON_TYPE(p_passengers) <> 'ARRAY' THEN
        CALL raise_error(50001, 'passengers must be a JSON array');
    END IF;
    SET p_segment_count = JSON_LENGTH(p_segments);
    SET p_passenger_count = JSON_LENGTH(p_passengers);
    IF p_segment_count NOT BETWEEN 1 AND 4 THEN
        CALL raise_error(50001, 'a reservation has one to four segments');
    ELSEIF p_passenger_count NOT BETWEEN 1 AND 9 THEN
        CALL raise_error(50001, 'a reservation has one to nine passengers');
    END IF;
    WHILE v_index < p_segment_count DO
        SET v_item = JSON_EXTRACT(p_segments, CONCAT('$[', v_index, ']'));
        IF
            JSON_TYPE(v_item) <> 'OBJECT'
            OR COALESCE(JSON_TYPE(JSON_EXTRACT(v_item, '$.trip_id')), '') NOT IN ('INTEGER', 'UNSIGNED INTEGER')
            -- as text: MariaDB's JSON_TYPE calls 1e400 and 2^63 INTEGER; 18 digits fit a BIGINT
            OR CAST(JSON_EXTRACT(v_item, '$.trip_id') AS CHAR) NOT REGEXP '^[1-9][0-9]{0,17}$'
            OR COALESCE(JSON_TYPE(JSON_EXTRACT(v_item, '$.fare_class')), '') <> 'STRING' THEN
            CALL raise_error(50001, 'each segment needs a positive integer trip_id and a fare_class name');
        ELSEIF JSON_UNQUOTE(JSON_EXTRACT(v_item, '$.fare_class')) NOT IN (
            'economy', 'premium', 'business', 'first'
        ) THEN
            CALL raise_error(50001, 'unknown fare class name');
        END IF;
        IF v_index > 0 AND JSON_CONTAINS(p_trip_ids, JSON_EXTRACT(v_item, '$.trip_id')) THEN
            CALL raise_error(50001, 'a trip appears twice in the segments');
        END IF;
        SET p_trip_ids = JSON_ARRAY_APPEND(p_trip_ids, '$', JSON_EXTRACT(v_item, '$.trip_id'));
        SET v_index = v_index + 1;
    END WHILE;
    SET v_index = 0;
    WHILE v_index < p_passenger_count DO
        SET v_item = JSON_EXTRACT(p_passengers, CONCAT('$[', v_index, ']'));
        IF
            JSON_TYPE(v_item) <> 'OBJECT'
            OR COALESCE(JSON_TYPE(JSON_EXTRACT(v_item, '$.full_name')), '') <> 'STRING'
            OR CHAR_LENGTH(TRIM(JSON_UNQUOTE(JSON_EXTRACT(v_item, '$.full_name')))) = 0
            -- untrimmed: JSON_TABLE reads the name whole, and would cut it at 200 characters
            OR CHAR_LENGTH(JSON_UNQUOTE(JSON_EXTRACT(v_item, '$.full_name'))) > 200 THEN
            CALL raise_error(50001, 'each passenger needs a full_name of 1 to 200 characters');
        ELSEIF COALESCE(JSON_TYPE(JSON_EXTRACT(v_item, '$.birth_date')), 'NULL') NOT IN ('NULL', 'STRING') THEN
            CALL raise_error(50001, 'birth_date must be a real past date written YYYY-MM-DD');
        ELSEIF JSON_TYPE(JSON_EXTRACT(v_item, '$.birth_date')) = 'STRING' THEN
            -- Its own statement: a statement that names a stored function costs every run of it
            -- ~17 us (bench/booking_ab.py), called or not, and most passengers give no birth date.
            IF NOT is_past_date(LEFT(JSON_UNQUOTE(JSON_EXTRACT(v_item, '$.birth_date')), 20), p_now) THEN
                CALL raise_error(50001, 'birth_date must be a real past date written YYYY-MM-DD');
            END IF;
        END IF;
        SET v_index = v_index + 1;
    END WHILE;
END$$

DELIMITER ;
