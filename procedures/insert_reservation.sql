-- insert_reservation: writes a new reservation and its passengers, for create_reservation
-- (status held) and purchase (status confirmed). The reservation gets a random 6-character
-- booking_ref (new_booking_ref); on the rare collision with uq_reservations_booking_ref another
-- is drawn, up to 10 draws in all, counting the p_drawn (0 or 1) that the caller's own INSERT
-- made and found taken (create_reservation and purchase write the one-passenger reservation out
-- themselves). Passengers are numbered in the order given (p_passengers as checked by
-- check_booking_request). Returns the reservation id.
-- Internal: runs inside the caller's transaction, which commits or rolls back.
-- Errors: DUPLICATE (no free booking reference in 10 draws).
-- Locks: the new rows only (their foreign keys S-lock the customer row).
-- requires: raise_error, new_booking_ref
DROP PROCEDURE IF EXISTS insert_reservation;

DELIMITER $$

CREATE PROCEDURE insert_reservation (
    IN p_user_id BIGINT,
    IN p_status VARCHAR(10),
    IN p_total DECIMAL(12, 2),
    IN p_currency CHAR(3),
    IN p_expires DATETIME,
    IN p_first_departs DATETIME,
    IN p_passengers JSON,
    IN p_now DATETIME,
    IN p_drawn TINYINT,
    OUT p_reservation_id BIGINT
)
MODIFIES SQL DATA
SQL SECURITY INVOKER
COMMENT 'Internal: inserts a reservation with a unique booking_ref, and its passengers'
BEGIN
    DECLARE v_attempts INT DEFAULT p_drawn + 1;
    DECLARE v_passenger_no INT DEFAULT 0;
    DECLARE v_passenger JSON;
    -- Few statements: each one costs every booking a microsecond or two (docs/benchmarks.md).
    draw: LOOP
        BEGIN
            -- A taken reference fails this INSERT with 1062 (ROW_COUNT() is then -1): draw again.
            DECLARE CONTINUE HANDLER FOR 1062 BEGIN END;
            INSERT INTO reservations (
                booking_ref, user_id, status, total_amount, currency, expires_at, first_departs_at, created_at
            )
            VALUES (new_booking_ref(), p_user_id, p_status, p_total, p_currency, p_expires, p_first_departs, p_now);
            IF ROW_COUNT() > 0 THEN
                LEAVE draw;
            END IF;
        END;
        IF v_attempts >= 10 THEN
            CALL raise_error(50005, 'could not allocate a unique booking reference; try again');
        END IF;
        SET v_attempts = v_attempts + 1;
    END LOOP;
    -- Before the passengers, whose own keys would replace it.
    SET p_reservation_id = LAST_INSERT_ID();

    -- One INSERT per passenger: INSERT ... SELECT FROM JSON_TABLE built a temporary table in
    -- every call, ~60 us of a hold's ~500 us of server CPU (bench/booking_cpu.py); a party of
    -- nine costs a little more than it did, the usual one or two much less.
    REPEAT
        SET v_passenger = JSON_EXTRACT(p_passengers, CONCAT('$[', v_passenger_no, ']'));
        SET v_passenger_no = v_passenger_no + 1;
        INSERT INTO passengers (reservation_id, passenger_no, full_name, birth_date, created_at)
        VALUES (
            p_reservation_id,
            v_passenger_no,
            TRIM(JSON_UNQUOTE(JSON_EXTRACT(v_passenger, '$.full_name'))),
            -- a string checked by check_booking_request, or JSON null, or absent
            IF(
                JSON_TYPE(JSON_EXTRACT(v_passenger, '$.birth_date')) = 'STRING',
                CAST(JSON_UNQUOTE(JSON_EXTRACT(v_passenger, '$.birth_date')) AS DATE),
                NULL
            ),
            p_now
        );
    UNTIL v_passenger_no = JSON_LENGTH(p_passengers) END REPEAT;
END$$

DELIMITER ;
