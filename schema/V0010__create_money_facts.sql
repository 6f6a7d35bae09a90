-- money_facts: every payment and refund, once per segment of its reservation, stored in the
-- order the money moved (the primary key starts with created_at, when it moved). The revenue reports read a
-- date range of this one table: the whole amount on segment 1 (revenue by period and mode),
-- each segment's share of it (revenue by route), the method (payment mix).
--
-- Kept fresh by triggers in the transaction that takes or returns the money: a payment or a
-- refund adds its rows; a refund marks the reservation's payment rows refunded_later (a paid
-- reservation is only ever cancelled with a refund row, so "not refunded" = "still confirmed").
-- Payments and refunds are append-only, so rows never change otherwise. The rows are locked
-- after the reservation's own row, which every writer of money locks first.
-- The integrity_violations view compares it with payments, refunds and segments.

CREATE TABLE money_facts (
    created_at DATETIME NOT NULL COMMENT 'When the money moved (UTC): the payment''s or refund''s created_at',
    kind VARCHAR(7) NOT NULL COMMENT 'payment or refund',
    money_id BIGINT UNSIGNED NOT NULL COMMENT 'payment_id or refund_id',
    segment_no TINYINT UNSIGNED NOT NULL COMMENT 'Segment of the reservation this row covers',
    reservation_id BIGINT UNSIGNED NOT NULL COMMENT 'Reservation paid or refunded',
    currency CHAR(3) NOT NULL COMMENT 'Currency of the amounts',
    amount DECIMAL(12, 2) NOT NULL COMMENT 'The whole payment or refund (the same on each segment row)',
    segment_share DECIMAL(12, 2) NOT NULL
    COMMENT 'This segment''s part of amount, in proportion to its seat prices (rounded to the cent)',
    first_mode VARCHAR(5) NOT NULL COMMENT 'Mode of the reservation''s first trip',
    mode VARCHAR(5) NOT NULL COMMENT 'Mode of this segment''s trip',
    origin_station_id INT UNSIGNED NOT NULL COMMENT 'Origin of this segment''s trip',
    destination_station_id INT UNSIGNED NOT NULL COMMENT 'Destination of this segment''s trip',
    method VARCHAR(20) NULL COMMENT 'Payment method (payments only)',
    refunded_later TINYINT NOT NULL DEFAULT 0 COMMENT 'Payments: 1 once the reservation was refunded',
    CONSTRAINT pk_money_facts PRIMARY KEY (created_at, kind, money_id, segment_no),
    CONSTRAINT uq_money_facts_kind_money_id_segment_no UNIQUE (kind, money_id, segment_no),
    CONSTRAINT ck_money_facts_kind CHECK (kind IN ('payment', 'refund')),
    INDEX idx_money_facts_reservation_id (reservation_id)
) ENGINE = InnoDB
DEFAULT CHARSET = utf8mb4
COLLATE = utf8mb4_unicode_520_ci
COMMENT = 'Reporting copy of payments and refunds per segment, maintained by triggers';

-- Money taken and returned before this version.
INSERT INTO money_facts (
    created_at, kind, money_id, segment_no, reservation_id, currency, amount, segment_share,
    first_mode, mode, origin_station_id, destination_station_id, method, refunded_later
)
SELECT
    m.created_at,
    m.kind,
    m.money_id,
    s.segment_no,
    m.reservation_id,
    m.currency,
    m.amount,
    CASE
        WHEN r.total_amount > 0 THEN ROUND(m.amount * s.unit_price * s.seats / r.total_amount, 2) ELSE 0
    END AS segment_share,
    ft.mode AS first_mode,
    t.mode,
    t.origin_station_id,
    t.destination_station_id,
    m.method,
    m.kind = 'payment' AND EXISTS (
        SELECT 1 FROM refunds AS ref
        WHERE ref.reservation_id = m.reservation_id
    ) AS refunded_later
FROM (
    SELECT
        created_at,
        'payment' AS kind,
        payment_id AS money_id,
        reservation_id,
        currency,
        amount,
        method
    FROM payments
    UNION ALL
    SELECT
        created_at,
        'refund' AS kind,
        refund_id AS money_id,
        reservation_id,
        currency,
        amount,
        NULL AS method
    FROM refunds
) AS m
INNER JOIN reservations AS r ON m.reservation_id = r.reservation_id
INNER JOIN reservation_segments AS s ON m.reservation_id = s.reservation_id
INNER JOIN trips AS t ON s.trip_id = t.trip_id
INNER JOIN reservation_segments AS fs ON m.reservation_id = fs.reservation_id AND fs.segment_no = 1
INNER JOIN trips AS ft ON fs.trip_id = ft.trip_id;

-- The two triggers differ only in the kind, the key and the method: kept inline rather than in a
-- shared procedure, which the EXECUTE-only app account could call to write rows of its own.
-- noqa: disable=RF01,AL09
DELIMITER $$

CREATE TRIGGER add_payment_money_facts
AFTER INSERT ON payments
FOR EACH ROW
BEGIN
    INSERT INTO money_facts (
        created_at, kind, money_id, segment_no, reservation_id, currency, amount, segment_share,
        first_mode, mode, origin_station_id, destination_station_id, method
    )
    SELECT
        NEW.created_at AS created_at,
        'payment' AS kind,
        NEW.payment_id AS money_id,
        s.segment_no,
        NEW.reservation_id AS reservation_id,
        NEW.currency AS currency,
        NEW.amount AS amount,
        CASE
            WHEN r.total_amount > 0 THEN ROUND(NEW.amount * s.unit_price * s.seats / r.total_amount, 2) ELSE 0
        END AS segment_share,
        ft.mode AS first_mode,
        t.mode,
        t.origin_station_id,
        t.destination_station_id,
        NEW.method AS method
    FROM reservations AS r
    INNER JOIN reservation_segments AS s ON r.reservation_id = s.reservation_id
    INNER JOIN trips AS t ON s.trip_id = t.trip_id
    INNER JOIN reservation_segments AS fs ON r.reservation_id = fs.reservation_id AND fs.segment_no = 1
    INNER JOIN trips AS ft ON fs.trip_id = ft.trip_id
    WHERE r.reservation_id = NEW.reservation_id;
END$$

CREATE TRIGGER add_refund_money_facts
AFTER INSERT ON refunds
FOR EACH ROW
BEGIN
    INSERT INTO money_facts (
        created_at, kind, money_id, segment_no, reservation_id, currency, amount, segment_share,
        first_mode, mode, origin_station_id, destination_station_id, method
    )
    SELECT
        NEW.created_at AS created_at,
        'refund' AS kind,
        NEW.refund_id AS money_id,
        s.segment_no,
        NEW.reservation_id AS reservation_id,
        NEW.currency AS currency,
        NEW.amount AS amount,
        CASE
            WHEN r.total_amount > 0 THEN ROUND(NEW.amount * s.unit_price * s.seats / r.total_amount, 2) ELSE 0
        END AS segment_share,
        ft.mode AS first_mode,
        t.mode,
        t.origin_station_id,
        t.destination_station_id,
        NULL AS method
    FROM reservations AS r
    INNER JOIN reservation_segments AS s ON r.reservation_id = s.reservation_id
    INNER JOIN trips AS t ON s.trip_id = t.trip_id
    INNER JOIN reservation_segments AS fs ON r.reservation_id = fs.reservation_id AND fs.segment_no = 1
    INNER JOIN trips AS ft ON fs.trip_id = ft.trip_id
    WHERE r.reservation_id = NEW.reservation_id;
    UPDATE money_facts
    SET refunded_later = 1
    WHERE reservation_id = NEW.reservation_id AND kind = 'payment';
END$$

DELIMITER ;
-- noqa: enable=RF01,AL09
