-- booking_facts: one narrow row per reservation with what the saved reports group and sum by,
-- stored in booking order (the primary key starts with created_at), so a report over a date
-- range reads one contiguous stretch of one table instead of joining four large ones.
--
-- Kept fresh by triggers in the same transaction as the change they mirror, so it is never
-- stale and needs no refresh job: the first segment of a reservation adds its row; a change
-- of a reservation's status or total updates it; payments and refunds add to paid/refunded;
-- deleting a reservation (the purge) deletes it. Its rows are locked only after the
-- reservation's own row, which every writer locks first, so no new lock order appears.
-- The integrity_violations view compares it with the base tables (reservation_facts).

CREATE TABLE booking_facts (
    created_at DATETIME NOT NULL COMMENT 'When the reservation was made (UTC)',
    reservation_id BIGINT UNSIGNED NOT NULL COMMENT 'The reservation described',
    user_id BIGINT UNSIGNED NOT NULL COMMENT 'Customer who made it',
    status VARCHAR(10) NOT NULL COMMENT 'The reservation''s current status',
    currency CHAR(3) NOT NULL COMMENT 'Currency of every amount in the row',
    total_amount DECIMAL(12, 2) NOT NULL COMMENT 'The reservation''s total',
    first_departs_at DATETIME NOT NULL COMMENT 'Departure of its first trip (UTC)',
    lead_days INT NOT NULL COMMENT 'Calendar days from booking to first departure',
    mode VARCHAR(5) NOT NULL COMMENT 'Mode of its first trip',
    origin_station_id INT UNSIGNED NOT NULL COMMENT 'Origin of its first trip',
    destination_station_id INT UNSIGNED NOT NULL COMMENT 'Destination of its first trip',
    passengers INT NOT NULL COMMENT 'Passengers (seats per segment)',
    paid DECIMAL(12, 2) NOT NULL DEFAULT 0 COMMENT 'Sum of its payments',
    refunded DECIMAL(12, 2) NOT NULL DEFAULT 0 COMMENT 'Sum of its refunds',
    CONSTRAINT pk_booking_facts PRIMARY KEY (created_at, reservation_id),
    CONSTRAINT uq_booking_facts_reservation_id UNIQUE (reservation_id),
    CONSTRAINT ck_booking_facts_status CHECK (status IN ('held', 'confirmed', 'cancelled', 'expired')),
    CONSTRAINT ck_booking_facts_money CHECK (paid >= 0 AND refunded >= 0),
    -- Read in full by top_customers: grouping by customer in index order needs no temporary table.
    INDEX idx_booking_facts_user_spend (user_id, currency, created_at, paid, refunded, passengers)
) ENGINE = InnoDB
DEFAULT CHARSET = utf8mb4
COLLATE = utf8mb4_unicode_520_ci
COMMENT = 'Reporting copy of each reservation, maintained by triggers; never written directly';

-- Reservations made before this version (the purge's batches are small, so is this one).
INSERT INTO booking_facts (
    created_at, reservation_id, user_id, status, currency, total_amount, first_departs_at, lead_days,
    mode, origin_station_id, destination_station_id, passengers, paid, refunded
)
SELECT
    r.created_at,
    r.reservation_id,
    r.user_id,
    r.status,
    r.currency,
    r.total_amount,
    r.first_departs_at,
    DATEDIFF(r.first_departs_at, r.created_at) AS lead_days,
    t.mode,
    t.origin_station_id,
    t.destination_station_id,
    s.seats AS passengers,
    (
        SELECT COALESCE(SUM(pay.amount), 0) FROM payments AS pay
        WHERE pay.reservation_id = r.reservation_id
    ) AS paid,
    (
        SELECT COALESCE(SUM(ref.amount), 0) FROM refunds AS ref
        WHERE ref.reservation_id = r.reservation_id
    ) AS refunded
FROM reservations AS r
INNER JOIN reservation_segments AS s ON r.reservation_id = s.reservation_id AND s.segment_no = 1
INNER JOIN trips AS t ON s.trip_id = t.trip_id;

DELIMITER $$

CREATE TRIGGER add_booking_fact
AFTER INSERT ON reservation_segments
FOR EACH ROW
BEGIN
    IF NEW.segment_no = 1 THEN
        INSERT INTO booking_facts (
            created_at, reservation_id, user_id, status, currency, total_amount, first_departs_at, lead_days,
            mode, origin_station_id, destination_station_id, passengers
        )
        SELECT
            r.created_at,
            r.reservation_id,
            r.user_id,
            r.status,
            r.currency,
            r.total_amount,
            r.first_departs_at,
            DATEDIFF(r.first_departs_at, r.created_at) AS lead_days,
            t.mode,
            t.origin_station_id,
            t.destination_station_id,
            NEW.seats AS passengers  -- noqa: RF01
        FROM reservations AS r
        INNER JOIN trips AS t ON t.trip_id = NEW.trip_id  -- noqa: RF01
        WHERE r.reservation_id = NEW.reservation_id;  -- noqa: RF01
    END IF;
END$$

CREATE TRIGGER sync_booking_fact
AFTER UPDATE ON reservations
FOR EACH ROW
BEGIN
    IF
        NEW.status <> OLD.status
        OR NEW.total_amount <> OLD.total_amount
        OR NEW.first_departs_at <> OLD.first_departs_at
    THEN
        UPDATE booking_facts
        SET
            status = NEW.status,
            total_amount = NEW.total_amount,
            first_departs_at = NEW.first_departs_at,
            lead_days = DATEDIFF(NEW.first_departs_at, NEW.created_at)
        WHERE reservation_id = NEW.reservation_id;
    END IF;
END$$

CREATE TRIGGER remove_booking_fact
AFTER DELETE ON reservations
FOR EACH ROW
BEGIN
    DELETE FROM booking_facts
    WHERE reservation_id = OLD.reservation_id;
END$$

CREATE TRIGGER add_payment_to_booking_fact
AFTER INSERT ON payments
FOR EACH ROW
BEGIN
    UPDATE booking_facts
    SET paid = paid + NEW.amount
    WHERE reservation_id = NEW.reservation_id;
END$$

CREATE TRIGGER add_refund_to_booking_fact
AFTER INSERT ON refunds
FOR EACH ROW
BEGIN
    UPDATE booking_facts
    SET refunded = refunded + NEW.amount
    WHERE reservation_id = NEW.reservation_id;
END$$

DELIMITER ;
