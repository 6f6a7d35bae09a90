-- Undoes V0013: the expiry event goes back to V0008's batches of 1,000 (at most 50 a run).
-- Proven by `travel validate --revert` (migrate -> revert -> migrate ends in the same schema).

DELIMITER $$

ALTER EVENT expire_lapsed_holds
COMMENT 'Expires lapsed holds (CALL expire_reservations)'
DO
BEGIN
    DECLARE v_expired INT DEFAULT 1000;
    DECLARE v_rounds INT DEFAULT 0;
    WHILE v_expired >= 1000 AND v_rounds < 50 DO
        CALL expire_reservations(1000, v_expired);
        SET v_rounds = v_rounds + 1;
    END WHILE;
END$$

DELIMITER ;
