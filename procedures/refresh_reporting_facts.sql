-- refresh_reporting_facts: runs fold_reporting_facts batch after batch until a pass that began
-- during this call has ended (so every change committed before the call is in the reporting
-- tables, and reporting_freshness says so) and the roll-ups are built (V0040: a range of
-- customers a batch), or p_max_batches batches have run. The event
-- fold_reporting_facts calls it every 10 s; tests call it to see their bookings reported.
-- Errors: INVALID_ARGUMENT (batch size outside 1..2000, fewer than 1 batch).
-- Locks: those of fold_reporting_facts, one batch (one transaction) at a time.
-- requires: fold_reporting_facts, raise_error
DROP PROCEDURE IF EXISTS refresh_reporting_facts;

DELIMITER $$

CREATE PROCEDURE refresh_reporting_facts (
    IN p_batch_size INT,
    IN p_max_batches INT,
    OUT p_folded INT
)
MODIFIES SQL DATA
SQL SECURITY DEFINER
COMMENT 'Folds pending reservations into the reporting tables until a full pass is done'
BEGIN
    DECLARE v_folded INT;
    DECLARE v_pass TINYINT;
    DECLARE v_began TINYINT DEFAULT 0;
    DECLARE v_batches INT DEFAULT 0;
    IF p_max_batches IS NULL OR p_max_batches < 1 THEN
        CALL raise_error(50001, 'at least one batch');
    END IF;
    SET p_folded = 0;
    fold: LOOP
        CALL fold_reporting_facts(p_batch_size, v_folded, v_pass);
        SET p_folded = p_folded + v_folded, v_batches = v_batches + 1;
        SET v_began = v_began OR (v_pass & 1);
        IF (v_began AND v_pass & 2 AND NOT v_pass & 4) OR v_batches >= p_max_batches THEN
            LEAVE fold;
        END IF;
    END LOOP;
END$$

DELIMITER ;
