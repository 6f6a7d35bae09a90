-- Roll-ups of the reporting tables (issue 16 item 2: every report <= 1 s on a million
-- reservations). Over the whole generated year, top_customers grouped 850,000 booking facts by
-- customer and revenue summed 850,000 money facts; customer_months holds the same sums per
-- customer, currency and booking month (635,000 rows, read in key order with no temporary
-- table), money_days the payments per day (about 2,000 rows).
--
-- Written by the fold (procedures/fold_reporting_facts.sql), in the batch that clears a
-- reservation (facts_pending NULL): what they hold of a reservation is final once it has left
-- held, which is when the fold clears it (its payment, passengers, currency, booking time),
-- but for a later refund. A refund adds itself to its customer's month in the cancelling
-- transaction (trigger below: one row of that customer, which nothing else writes at that
-- moment but a fold batch clearing another of their reservations of the month); money_days
-- leaves refunds out (a row per day would be shared by every cancellation of the day): revenue
-- reads them from money_facts through the index below.
--
-- Built by the fold, too: a table of sums built here would miss what the fold of the previous
-- version (still running until migrate re-applies the procedure) clears in between. The first
-- batches of the new fold build them from the facts of every cleared reservation, customers in
-- ranges of 1,000 user ids a batch (reporting_folds.rollup_users_to: NULL once every customer
-- is in), money_days in the first of them. integrity_violations proves both equal to the facts.

ALTER TABLE reporting_folds
    ADD COLUMN rollup_users_to BIGINT UNSIGNED NULL DEFAULT 0
    COMMENT 'customer_months holds the customers up to this user_id; NULL: all of them (built)';

CREATE TABLE customer_months (
    user_id BIGINT UNSIGNED NOT NULL COMMENT 'The customer',
    currency CHAR(3) NOT NULL COMMENT 'Currency of the reservations and money in the row',
    month DATE NOT NULL COMMENT 'First day of the month the reservations were made in (UTC)',
    reservations INT NOT NULL COMMENT 'Paid reservations made that month (cancelled later or not)',
    passengers INT NOT NULL COMMENT 'Passengers on them',
    paid DECIMAL(14, 2) NOT NULL COMMENT 'Payments for them',
    refunded DECIMAL(14, 2) NOT NULL DEFAULT 0 COMMENT 'Refunds for them',
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT 'When the row was written',
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP
    COMMENT 'When a fold batch or a refund last added to it',
    -- Customer first: top_customers sums each customer's months in key order (no temporary table).
    CONSTRAINT pk_customer_months PRIMARY KEY (user_id, currency, month),
    CONSTRAINT ck_customer_months_sums CHECK (reservations > 0 AND passengers > 0 AND paid > 0 AND refunded >= 0)
) ENGINE = InnoDB
DEFAULT CHARSET = utf8mb4
COLLATE = utf8mb4_unicode_520_ci
COMMENT = 'Paid reservations per customer, currency and booking month; written by the reporting fold and refunds';

CREATE TABLE money_days (
    day DATE NOT NULL COMMENT 'UTC date the payments were taken',
    currency CHAR(3) NOT NULL COMMENT 'Currency of the payments',
    first_mode VARCHAR(5) NOT NULL COMMENT 'Mode of the first trip of the reservations paid for',
    payments INT NOT NULL COMMENT 'Payments taken',
    gross DECIMAL(14, 2) NOT NULL COMMENT 'Their sum',
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT 'When the row was written',
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP
    COMMENT 'When a fold batch last added to it',
    CONSTRAINT pk_money_days PRIMARY KEY (day, currency, first_mode),
    CONSTRAINT ck_money_days_sums CHECK (payments > 0 AND gross >= 0)
) ENGINE = InnoDB
DEFAULT CHARSET = utf8mb4
COLLATE = utf8mb4_unicode_520_ci
COMMENT = 'Payments per day, currency and first mode; written by the reporting fold';

-- Refunds, which money_days leaves out, read alone by revenue (about 1 money fact in 10).
CREATE INDEX idx_money_facts_kind_segment_no_created_at
ON money_facts (kind, segment_no, created_at, currency, first_mode, amount);

-- noqa: disable=RF01
DELIMITER $$

-- A refund of a reservation the fold has cleared adds to its customer's month (the fold adds
-- a reservation it clears with what was refunded by then). The reservation is locked by the
-- cancellation (cancel_reservation, cancel_trip), so the fold clears it before or after this,
-- never during. A customer the fold has not built yet has no row: the build reads the refund.
CREATE TRIGGER add_refund_to_customer_month
AFTER INSERT ON refunds
FOR EACH ROW
BEGIN
    DECLARE v_user_id BIGINT UNSIGNED;
    DECLARE v_currency CHAR(3);
    DECLARE v_month DATE;
    -- MAX: one row always (NULLs when nothing is to be added), so no "no data" condition.
    SELECT
        MAX(bf.user_id) AS user_id,
        MAX(bf.currency) AS currency,
        MAX(DATE(bf.created_at) - INTERVAL (DAYOFMONTH(bf.created_at) - 1) DAY) AS month
    INTO v_user_id, v_currency, v_month
    FROM booking_facts AS bf
    INNER JOIN reservations AS r ON bf.reservation_id = r.reservation_id
    WHERE bf.reservation_id = NEW.reservation_id AND bf.paid > 0 AND r.facts_pending IS NULL;
    UPDATE customer_months
    SET refunded = refunded + NEW.amount
    WHERE user_id = v_user_id AND currency = v_currency AND month = v_month;
END$$

DELIMITER ;
-- noqa: enable=RF01
