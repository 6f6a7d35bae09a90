-- purchase_keys: the idempotency keys of purchase (hold and pay in one call, issue 16 item 3).
-- A purchase has no reservation before it runs, so its key is scoped to the customer: one row
-- per (user, key), naming the reservation and payment the first call made. A repeated call with
-- the same key and request returns them; the same key with another request is DUPLICATE. The
-- key is compared byte for byte (SHA-256 of the key as given), like a payment's.

CREATE TABLE purchase_keys (
    user_id BIGINT UNSIGNED NOT NULL COMMENT 'Customer whose key it is',
    idempotency_key_hash BINARY(32) NOT NULL COMMENT 'SHA-256 of the key as the client sent it',
    request_hash CHAR(64) NOT NULL COMMENT 'SHA-256 of the request, to refuse a reused key with another request',
    reservation_id BIGINT UNSIGNED NOT NULL COMMENT 'Reservation the purchase made',
    payment_id BIGINT UNSIGNED NOT NULL COMMENT 'Payment the purchase took',
    created_at DATETIME NOT NULL COMMENT 'When the purchase was made (UTC)',
    CONSTRAINT pk_purchase_keys PRIMARY KEY (user_id, idempotency_key_hash),
    CONSTRAINT uq_purchase_keys_reservation_id UNIQUE (reservation_id),
    CONSTRAINT fk_purchase_keys_reservations FOREIGN KEY (reservation_id)
    REFERENCES reservations (reservation_id) ON DELETE CASCADE
) ENGINE = InnoDB
DEFAULT CHARSET = utf8mb4
COLLATE = utf8mb4_unicode_520_ci
COMMENT = 'Idempotency keys of purchase calls, one per customer and key';
