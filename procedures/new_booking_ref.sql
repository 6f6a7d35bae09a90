-- new_booking_ref: a random six-character booking reference from the 32 letters and digits that
-- cannot be misread (no I, O, 0, 1): 30 bits from the server's cryptographic generator
-- (RANDOM_BYTES, MySQL 5.6+ and MariaDB 10.10+), five bits per character.
-- Why not RAND(): its per-session generator is weak. One million six-character draws from it
-- gave 585,503 distinct references (about 845,000 reachable, not 32^6 = 1.07 billion), and
-- sessions walk the same sequences, so at 300,000 reservations a booking drew ten taken
-- references in a row and failed DUPLICATE (bench/booking.py). RANDOM_BYTES gave 999,519 of a
-- million, what a uniform draw gives (tests/procedures/test_booking_ref.py).
-- Internal: for insert_reservation, which retries on the rare collision with the unique key.
-- Errors: none. Locks: none (reads nothing).
DROP FUNCTION IF EXISTS new_booking_ref;

DELIMITER $$

CREATE FUNCTION new_booking_ref()
RETURNS CHAR(6)
NOT DETERMINISTIC
NO SQL
SQL SECURITY INVOKER
COMMENT 'Internal: a random six-character booking reference (RANDOM_BYTES)'
BEGIN
    DECLARE v_alphabet CHAR(32) DEFAULT 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
    DECLARE v_bytes BINARY(6) DEFAULT RANDOM_BYTES(6);
    -- The low five bits of a uniform byte are uniform over the 32 characters.
    RETURN CONCAT(
        SUBSTRING(v_alphabet, 1 + (ASCII(SUBSTRING(v_bytes, 1, 1)) & 31), 1),
        SUBSTRING(v_alphabet, 1 + (ASCII(SUBSTRING(v_bytes, 2, 1)) & 31), 1),
        SUBSTRING(v_alphabet, 1 + (ASCII(SUBSTRING(v_bytes, 3, 1)) & 31), 1),
        SUBSTRING(v_alphabet, 1 + (ASCII(SUBSTRING(v_bytes, 4, 1)) & 31), 1),
        SUBSTRING(v_alphabet, 1 + (ASCII(SUBSTRING(v_bytes, 5, 1)) & 31), 1),
        SUBSTRING(v_alphabet, 1 + (ASCII(SUBSTRING(v_bytes, 6, 1)) & 31), 1)
    );
END$$

DELIMITER ;
