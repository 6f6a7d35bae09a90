-- Money: payments taken and refunds paid (append-only), and the refund rules.

CREATE TABLE payments (
    payment_id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT COMMENT 'Key',
    reservation_id BIGINT UNSIGNED NOT NULL COMMENT 'Reservation paid for',
    amount DECIMAL(12, 2) NOT NULL COMMENT 'Amount taken',
    currency CHAR(3) NOT NULL COMMENT 'ISO 4217 currency of the amount',
    method VARCHAR(20) NOT NULL COMMENT 'card, wallet or bank_transfer',
    idempotency_key VARCHAR(64) NOT NULL COMMENT 'Client key: a repeated call returns this payment',
    request_hash CHAR(64) NOT NULL COMMENT 'SHA-256 of the request, to refuse a reused key with another request',
    status VARCHAR(10) NOT NULL DEFAULT 'captured' COMMENT 'captured (money taken)',
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT 'When the payment was taken (UTC)',
    CONSTRAINT pk_payments PRIMARY KEY (payment_id),
    CONSTRAINT uq_payments_idempotency_key UNIQUE (idempotency_key),
    CONSTRAINT fk_payments_reservations FOREIGN KEY (reservation_id) REFERENCES reservations (reservation_id),
    CONSTRAINT ck_payments_amount CHECK (amount >= 0),
    CONSTRAINT ck_payments_currency CHECK (currency COLLATE utf8mb4_bin REGEXP '^[A-Z]{3}$'),
    CONSTRAINT ck_payments_method CHECK (method IN ('card', 'wallet', 'bank_transfer')),
    CONSTRAINT ck_payments_idempotency_key CHECK (CHAR_LENGTH(TRIM(idempotency_key)) > 0),
    CONSTRAINT ck_payments_status CHECK (status IN ('captured')),
    INDEX idx_payments_reservation_id (reservation_id),
    INDEX idx_payments_created_at (created_at)
) ENGINE = InnoDB
DEFAULT CHARSET = utf8mb4
COLLATE = utf8mb4_unicode_520_ci
COMMENT = 'Payments taken; append-only (triggers refuse UPDATE and DELETE)';

CREATE TABLE refunds (
    refund_id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT COMMENT 'Key',
    reservation_id BIGINT UNSIGNED NOT NULL COMMENT 'Reservation refunded; at most one refund each',
    amount DECIMAL(12, 2) NOT NULL COMMENT 'Amount paid back',
    currency CHAR(3) NOT NULL COMMENT 'ISO 4217 currency of the amount',
    refund_percent DECIMAL(5, 2) NOT NULL COMMENT 'Share of the payments refunded',
    reason VARCHAR(200) NULL COMMENT 'Why the reservation was cancelled',
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT 'When the refund was paid (UTC)',
    CONSTRAINT pk_refunds PRIMARY KEY (refund_id),
    CONSTRAINT uq_refunds_reservation_id UNIQUE (reservation_id),
    CONSTRAINT fk_refunds_reservations FOREIGN KEY (reservation_id) REFERENCES reservations (reservation_id),
    CONSTRAINT ck_refunds_amount CHECK (amount >= 0),
    CONSTRAINT ck_refunds_currency CHECK (currency COLLATE utf8mb4_bin REGEXP '^[A-Z]{3}$'),
    CONSTRAINT ck_refunds_refund_percent CHECK (refund_percent BETWEEN 0 AND 100),
    INDEX idx_refunds_created_at (created_at)
) ENGINE = InnoDB
DEFAULT CHARSET = utf8mb4
COLLATE = utf8mb4_unicode_520_ci
COMMENT = 'Refunds paid; append-only (triggers refuse UPDATE and DELETE)';

CREATE TABLE refund_rules (
    refund_rule_id INT UNSIGNED NOT NULL AUTO_INCREMENT COMMENT 'Key',
    mode VARCHAR(5) NULL COMMENT 'air, rail or bus; NULL applies to every mode without its own rules',
    min_hours_before INT UNSIGNED NOT NULL COMMENT 'Applies when at least this many hours remain before departure',
    refund_percent DECIMAL(5, 2) NOT NULL COMMENT 'Share of the payments refunded',
    mode_key VARCHAR(5) GENERATED ALWAYS AS (COALESCE(mode, '*')) STORED
    COMMENT 'mode, or * for all modes: makes (mode, hours) unique with NULL',
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT 'When the rule was added (UTC)',
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP
    COMMENT 'When the row last changed (UTC)',
    CONSTRAINT pk_refund_rules PRIMARY KEY (refund_rule_id),
    CONSTRAINT uq_refund_rules_mode_hours UNIQUE (mode_key, min_hours_before),
    CONSTRAINT ck_refund_rules_mode CHECK (mode IS NULL OR mode IN ('air', 'rail', 'bus')),
    CONSTRAINT ck_refund_rules_refund_percent CHECK (refund_percent BETWEEN 0 AND 100)
) ENGINE = InnoDB
DEFAULT CHARSET = utf8mb4
COLLATE = utf8mb4_unicode_520_ci
COMMENT = 'Refund share by hours left before the first departure; the highest matching threshold wins';

INSERT INTO refund_rules (mode, min_hours_before, refund_percent) VALUES
(NULL, 72, 100.00),
(NULL, 24, 50.00),
(NULL, 0, 0.00);
