-- The floor of the booking benchmarks: create_reservation, pay_reservation and purchase with the
-- contract's signatures that do nothing but write one small row and commit, so each call still
-- costs its client round trip, its CALL and a durable commit. What a booking event costs beyond
-- its procedures' work on this machine and with this client: bench/booking.py --baseline REV
-- --apply bench/whatif/empty_calls.sql gives the highest ratio any procedures could reach against
-- REV's there. Applied to the benchmarks' scratch databases only; never to a database that matters.
CREATE TABLE IF NOT EXISTS empty_calls (
    empty_call_id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    trip_id BIGINT NOT NULL,
    PRIMARY KEY (empty_call_id)
) ENGINE = InnoDB;
DROP PROCEDURE IF EXISTS create_reservation;
DROP PROCEDURE IF EXISTS pay_reservation;
DROP PROCEDURE IF EXISTS purchase;
DELIMITER $$
CREATE PROCEDURE create_reservation (
    IN p_user_id BIGINT, IN p_segments JSON, IN p_passengers JSON, OUT p_reservation_id BIGINT
)
MODIFIES SQL DATA SQL SECURITY DEFINER
BEGIN
    INSERT INTO empty_calls (trip_id) VALUES (JSON_EXTRACT(p_segments, '$[0].trip_id'));
    SET p_reservation_id = LAST_INSERT_ID();
    COMMIT;
END$$
CREATE PROCEDURE pay_reservation (
    IN p_reservation_id BIGINT, IN p_user_id BIGINT, IN p_amount DECIMAL(12, 2), IN p_currency CHAR(3),
    IN p_method VARCHAR(20), IN p_idempotency_key VARCHAR(64), OUT p_payment_id BIGINT
)
MODIFIES SQL DATA SQL SECURITY DEFINER
BEGIN
    INSERT INTO empty_calls (trip_id) VALUES (p_reservation_id);
    SET p_payment_id = LAST_INSERT_ID();
    COMMIT;
END$$
CREATE PROCEDURE purchase (  -- noqa: CP03
    IN p_user_id BIGINT, IN p_segments JSON, IN p_passengers JSON, IN p_amount DECIMAL(12, 2),
    IN p_currency CHAR(3), IN p_method VARCHAR(20), IN p_idempotency_key VARCHAR(64),
    OUT p_reservation_id BIGINT, OUT p_payment_id BIGINT
)
MODIFIES SQL DATA SQL SECURITY DEFINER
BEGIN
    INSERT INTO empty_calls (trip_id) VALUES (JSON_EXTRACT(p_segments, '$[0].trip_id'));
    SET p_reservation_id = LAST_INSERT_ID(), p_payment_id = p_reservation_id;
    COMMIT;
END$$
DELIMITER ;
