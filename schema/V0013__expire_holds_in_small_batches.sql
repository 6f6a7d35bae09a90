-- Expire lapsed holds in batches of 25, not 1,000. Each batch holds the row locks of the fares
-- it returns to sale until it commits, and bookings of those fares wait for it: with 1,000 a
-- batch, booking p99 rose 14x during a cleanup under load; with 25 it rose 1.3x, and 100,000
-- lapsed holds still clear in well under two minutes (docs/benchmarks.md, bench/expiry.py).
-- A run stops when a batch comes back short, or after 2,400 batches (60,000 holds).

DELIMITER $$

ALTER EVENT expire_lapsed_holds
COMMENT 'Expires lapsed holds, 25 a transaction (expire_reservations)'
DO
BEGIN
    DECLARE v_expired INT DEFAULT 25;
    DECLARE v_rounds INT DEFAULT 0;
    WHILE v_expired >= 25 AND v_rounds < 2400 DO
        CALL expire_reservations(25, v_expired);
        SET v_rounds = v_rounds + 1;
    END WHILE;
END$$

DELIMITER ;
