-- Reporting tables off the booking path (issue 16 item 2). booking_facts, money_facts and the
-- booking half of user_activity_days were kept by triggers inside every hold and payment (7 of a
-- booking's 21 statements). From this version a fold (procedures/fold_reporting_facts.sql, run by
-- the event below every 10 s, and by tests explicitly) writes them in small batches instead.
--
-- What the fold must revisit is marked on the reservation itself, with no statement of its own:
--   - reservations.facts_pending defaults to 1, so every new reservation is pending however it
--     is inserted (procedures, bulk seeding);
--   - the fold leaves a reservation pending while it is held, so the hold's end (paid, expired,
--     cancelled: none of which marks anything) is folded by the next pass;
--   - the one change of a reservation that has left held is confirmed -> cancelled, which always
--     inserts a refund (cancel_reservation, cancel_trip): the refund triggers, which are not on
--     the hold or pay path, keep doing that part in the cancelling transaction (the fact becomes
--     cancelled with its refund; the refund's money facts are added and the payment's marked).
--     A reservation the fold has not reached yet is folded from the base tables later anyway.
-- The fold clears the mark once it has written a reservation that is no longer held.
-- reporting_folds holds the fold's cursor and watermark. Every batch updates that one row first,
-- so batches never run at once: on one server its row lock queues them, on Galera two batches
-- on two nodes write the same row and certification commits only one.

ALTER TABLE reservations
    ADD COLUMN facts_pending TINYINT NULL DEFAULT NULL
    COMMENT '1 while the reporting tables may lag this reservation (the fold clears it), else NULL';

-- Rows from before this version were kept exact by the triggers: NULL. New rows: pending.
ALTER TABLE reservations
    ALTER COLUMN facts_pending SET DEFAULT 1;

-- The fold walks pending reservations in key order: (facts_pending, reservation_id).
CREATE INDEX idx_reservations_facts_pending ON reservations (facts_pending);

CREATE TABLE reporting_folds (
    job VARCHAR(64) NOT NULL COMMENT 'The fold (one row: reporting_facts)',
    cursor_id BIGINT UNSIGNED NOT NULL DEFAULT 0
    COMMENT 'The current pass has folded pending reservations up to this key; 0 between passes',
    pass_started_at DATETIME NULL COMMENT 'When the current pass started (UTC); NULL between passes',
    folded_until DATETIME NOT NULL
    COMMENT 'Watermark: every change committed before this (UTC) is in the reporting tables',
    passes BIGINT NOT NULL DEFAULT 0 COMMENT 'Passes completed',
    batches BIGINT NOT NULL DEFAULT 0 COMMENT 'Batches committed',
    reservations_folded BIGINT NOT NULL DEFAULT 0 COMMENT 'Reservations written, over all batches',
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT 'When the row was written',
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP
    COMMENT 'When the last batch committed',
    CONSTRAINT pk_reporting_folds PRIMARY KEY (job)
) ENGINE = InnoDB
DEFAULT CHARSET = utf8mb4
COLLATE = utf8mb4_unicode_520_ci
COMMENT = 'Cursor and watermark of the reporting fold (fold_reporting_facts)';

INSERT INTO reporting_folds (job, folded_until)
VALUES ('reporting_facts', UTC_TIMESTAMP());

-- noqa: disable=RF01
DELIMITER $$

-- A refund cancels a confirmed reservation in the same transaction (sync_booking_fact, which
-- followed every status change, fired in every payment too and goes below). Created before the
-- old trigger is dropped, so no refund in between is missed.
CREATE TRIGGER cancel_booking_fact_on_refund
AFTER INSERT ON refunds
FOR EACH ROW
BEGIN
    UPDATE booking_facts
    SET refunded = refunded + NEW.amount, status = 'cancelled'
    WHERE reservation_id = NEW.reservation_id;
END$$

DELIMITER ;
-- noqa: enable=RF01

DROP TRIGGER add_refund_to_booking_fact;
DROP TRIGGER add_booking_fact;
DROP TRIGGER sync_booking_fact;
DROP TRIGGER add_payment_to_booking_fact;
DROP TRIGGER add_payment_money_facts;
DROP TRIGGER record_booking_activity;
-- Kept: add_refund_money_facts (refunds are not on the booking path), remove_booking_fact (the
-- purge deletes a reservation's fact with it) and record_login_activity (nor are logins).

-- Holds open now end with no trigger to follow them: pending until the fold sees them end.
UPDATE reservations SET facts_pending = 1
WHERE status = 'held';

DELIMITER $$

-- Every 10 s (on every Galera node the harness enables it on: batches queue on reporting_folds),
-- 500 reservations a batch, at most 400 batches a run. A batch that lost a race (1213: another
-- node's batch certified first; 1205: a run still going here) ends the run quietly.
CREATE EVENT fold_reporting_facts
ON SCHEDULE EVERY 10 SECOND
ON COMPLETION PRESERVE
ENABLE
COMMENT 'Folds new bookings, payments and refunds into the reporting tables (refresh_reporting_facts)'
DO
BEGIN
    DECLARE v_folded INT;
    DECLARE EXIT HANDLER FOR 1213 ROLLBACK;
    DECLARE EXIT HANDLER FOR 1205 ROLLBACK;
    CALL refresh_reporting_facts(500, 400, v_folded);
END$$

DELIMITER ;
