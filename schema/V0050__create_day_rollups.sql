-- Day roll-ups of the reporting tables (issue 16: every saved report <= 1 s on a million
-- reservations, also over a whole year). cancellations, booking_lead_time and conversion read
-- a date range of booking_facts (about 850,000 rows over the generated year), revenue_by_route
-- and payment_methods one of money_facts (about 1,000,000). What those reports sum of a paid
-- reservation and of a payment is final once the fold clears the reservation (a payment only
-- ever comes before a reservation leaves held; paid reservations are never purged; payments are
-- append-only), so these roll-ups hold only that part, per day:
--   booking_days         paid reservations per booking day, currency, first mode and lead-time
--                        bucket (INTERVAL(lead_days, 1, 2, 4, 8, 15, 31, 61): booking_lead_time's
--                        eight buckets; cancellations' four are pairs of them);
--   route_days           payments per day, currency and route (each segment's share);
--   payment_method_days  payments per day, currency and method.
-- What changes after the fold clears a reservation (its cancellation with a refund, a purge of
-- an unpaid one) is not rolled up: the reports read it where it is always exact, through the
-- indexes below (booking facts by status: held, cancelled and expired ones are a fifth of them;
-- money facts by kind and refunded_later: refunds, and payments refunded since). So no trigger
-- on any path writes these tables, and no cancellation or purge has a roll-up row to follow.
--
-- Written by the fold (procedures/fold_reporting_facts.sql) in the batch that clears a
-- reservation, and built by the fold too (a table of sums built here would miss what the fold
-- of the previous version clears until migrate re-applies the procedure): its first batches
-- read the facts of every cleared reservation, about a month of days a batch, up to
-- reporting_folds.rollup_days_to (NULL once every day is in; setting it back to '1000-01-01'
-- rebuilds them). integrity_violations proves the three equal to the facts of the cleared
-- reservations, day by day.

ALTER TABLE reporting_folds
    ADD COLUMN rollup_days_to DATE NULL DEFAULT NULL
    COMMENT 'booking_days, route_days, payment_method_days hold the days before this; NULL: all (built)';

UPDATE reporting_folds SET rollup_days_to = '1000-01-01'
WHERE job = 'reporting_facts';

CREATE TABLE booking_days (
    day DATE NOT NULL COMMENT 'UTC date the reservations were made',
    currency CHAR(3) NOT NULL COMMENT 'Currency of the reservations and their payments',
    mode VARCHAR(5) NOT NULL COMMENT 'Mode of their first trip',
    lead_bucket TINYINT UNSIGNED NOT NULL
    COMMENT 'Days from booking to first departure: INTERVAL(lead_days, 1, 2, 4, 8, 15, 31, 61), 0 .. 7',
    reservations INT NOT NULL COMMENT 'Paid reservations made that day (cancelled later or not)',
    paid DECIMAL(14, 2) NOT NULL COMMENT 'Payments for them',
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT 'When the row was written',
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP
    COMMENT 'When a fold batch last added to it',
    CONSTRAINT pk_booking_days PRIMARY KEY (day, currency, mode, lead_bucket),
    CONSTRAINT ck_booking_days_sums CHECK (reservations > 0 AND paid > 0 AND lead_bucket <= 7)
) ENGINE = InnoDB
DEFAULT CHARSET = utf8mb4
COLLATE = utf8mb4_unicode_520_ci
COMMENT = 'Paid reservations per booking day, currency, first mode and lead time; written by the reporting fold';

CREATE TABLE route_days (
    day DATE NOT NULL COMMENT 'UTC date the payments were taken',
    currency CHAR(3) NOT NULL COMMENT 'Currency of the payments',
    origin_station_id INT UNSIGNED NOT NULL COMMENT 'Origin of the segment''s trip',
    destination_station_id INT UNSIGNED NOT NULL COMMENT 'Destination of the segment''s trip',
    mode VARCHAR(5) NOT NULL COMMENT 'Mode of the segment''s trip',
    gross DECIMAL(14, 2) NOT NULL COMMENT 'The segments'' shares of the payments (money_facts.segment_share)',
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT 'When the row was written',
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP
    COMMENT 'When a fold batch last added to it',
    CONSTRAINT pk_route_days PRIMARY KEY (day, currency, origin_station_id, destination_station_id, mode),
    CONSTRAINT ck_route_days_gross CHECK (gross >= 0)
) ENGINE = InnoDB
DEFAULT CHARSET = utf8mb4
COLLATE = utf8mb4_unicode_520_ci
COMMENT = 'Payments per day, currency and route (segment shares); written by the reporting fold';

CREATE TABLE payment_method_days (
    day DATE NOT NULL COMMENT 'UTC date the payments were taken',
    currency CHAR(3) NOT NULL COMMENT 'Currency of the payments',
    method VARCHAR(20) NOT NULL COMMENT 'Payment method',
    payments INT NOT NULL COMMENT 'Payments taken',
    amount DECIMAL(14, 2) NOT NULL COMMENT 'Their sum',
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT 'When the row was written',
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP
    COMMENT 'When a fold batch last added to it',
    CONSTRAINT pk_payment_method_days PRIMARY KEY (day, currency, method),
    CONSTRAINT ck_payment_method_days_sums CHECK (payments > 0 AND amount >= 0)
) ENGINE = InnoDB
DEFAULT CHARSET = utf8mb4
COLLATE = utf8mb4_unicode_520_ci
COMMENT = 'Payments per day, currency and method; written by the reporting fold';

-- What the roll-ups leave out, read where it is exact: booking facts that are held, cancelled
-- or expired (about 1 in 5), with every column cancellations and conversion group and sum by.
CREATE INDEX idx_booking_facts_status_created_at
ON booking_facts (status, created_at, mode, lead_days, currency, paid, refunded);

-- Refunds (revenue_by_route: each segment's share) and payments refunded since they were taken
-- (payment_methods' kept_pct), each a range of this index with what the report groups by.
CREATE INDEX idx_money_facts_kind_refunded_later_created_at
ON money_facts (
    kind, refunded_later, created_at, segment_no, currency, method, origin_station_id, destination_station_id, mode,
    segment_share
);
