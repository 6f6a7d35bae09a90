-- The trust boundary (issue 17), in the schema:
-- 1. settings.session_clock: 'server' (default) makes utc_now() the server's own clock, which
--    no caller can move; 'session' lets SET timestamp move it (tests and demo seeding only).
-- 2. Password hashes leave `users` for `user_credentials`, a table travel_analyst has no grant
--    on at all: a column grant still let it compare hashes (JOIN ... USING (password_hash)) and
--    CHECKSUM TABLE users. Copied in batches of 10,000 users (Galera replicates a transaction
--    as one write set).
-- 3. trip_fares.on_sale: cancel_trip clears it on every fare of the trip, and bookings and
--    payments update their fare row guarded by it. On Galera row locks are node-local; a cancel
--    and a sale on two nodes now always write a common row, so certification aborts one.
-- 4. Idempotency keys are scoped to their reservation and compared byte for byte (the
--    column's collation ignored case and trailing spaces, and the key was global, so another
--    customer taking `pay-<id>` first blocked the owner's payment).
-- 5. The reservation-history triggers read utc_now() (they read UTC_TIMESTAMP(), which the
--    caller's SET timestamp moves).

INSERT INTO settings (setting_key, setting_value, description)
VALUES (
    'session_clock', 'server',
    'server: procedures read the server clock; session: SET timestamp moves it (tests and demos only)'
);

CREATE TABLE user_credentials (
    user_id BIGINT UNSIGNED NOT NULL COMMENT 'The account these credentials log in to',
    password_hash VARCHAR(255) NOT NULL COMMENT 'Memory-hard hash made by the caller; no analyst grant',
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT 'When the credentials were set (UTC)',
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP
    COMMENT 'When the row last changed (UTC)',
    CONSTRAINT pk_user_credentials PRIMARY KEY (user_id),
    CONSTRAINT fk_user_credentials_users FOREIGN KEY (user_id) REFERENCES users (user_id),
    CONSTRAINT ck_user_credentials_password_hash CHECK (CHAR_LENGTH(password_hash) > 0)
) ENGINE = InnoDB
DEFAULT CHARSET = utf8mb4
COLLATE = utf8mb4_unicode_520_ci
COMMENT = 'Password hashes, one row per user; only the login procedures read it';

DELIMITER $$

CREATE PROCEDURE v0014_copy_credentials ()
MODIFIES SQL DATA
SQL SECURITY INVOKER
COMMENT 'Migration V0014 only: copies password hashes in batches of 10,000 users'
BEGIN
    DECLARE v_from BIGINT UNSIGNED DEFAULT 0;
    DECLARE v_last BIGINT UNSIGNED;
    SELECT COALESCE(MAX(user_id), 0) INTO v_last FROM users;
    WHILE v_from <= v_last DO
        START TRANSACTION;
        INSERT INTO user_credentials (user_id, password_hash, created_at)
        SELECT
            user_id,
            password_hash,
            created_at
        FROM users
        WHERE user_id > v_from AND user_id <= v_from + 10000;
        COMMIT;
        SET v_from = v_from + 10000;
    END WHILE;
END$$

DELIMITER ;

CALL v0014_copy_credentials();

DROP PROCEDURE v0014_copy_credentials;

ALTER TABLE users
    DROP CONSTRAINT ck_users_password_hash,
    DROP COLUMN password_hash;

ALTER TABLE trip_fares
    ADD COLUMN on_sale TINYINT(1) NOT NULL DEFAULT 1
    COMMENT '1 while the trip sells; 0 once cancelled (sales update this row guarded by it)' AFTER currency,
    ADD CONSTRAINT ck_trip_fares_on_sale CHECK (on_sale IN (0, 1));

UPDATE trip_fares AS f
INNER JOIN trips AS t ON f.trip_id = t.trip_id
SET f.on_sale = 0
WHERE t.status = 'cancelled';

ALTER TABLE payments
    ADD COLUMN idempotency_key_hash BINARY(32) GENERATED ALWAYS AS (UNHEX(SHA2(idempotency_key, 256))) STORED
    COMMENT 'SHA-256 of the key as given: compared byte for byte, case and trailing spaces count'
    AFTER idempotency_key,
    DROP INDEX uq_payments_idempotency_key,
    ADD CONSTRAINT uq_payments_reservation_idempotency_key UNIQUE (reservation_id, idempotency_key_hash);

DROP TRIGGER record_reservation_creation;

DROP TRIGGER record_reservation_status_change;

DELIMITER $$

CREATE TRIGGER record_reservation_creation
AFTER INSERT ON reservations
FOR EACH ROW
BEGIN
    INSERT INTO reservation_status_history (reservation_id, old_status, new_status, changed_at)
    VALUES (NEW.reservation_id, NULL, NEW.status, utc_now());
END$$

CREATE TRIGGER record_reservation_status_change
AFTER UPDATE ON reservations
FOR EACH ROW
BEGIN
    IF NEW.status <> OLD.status THEN
        INSERT INTO reservation_status_history (reservation_id, old_status, new_status, changed_at)
        VALUES (NEW.reservation_id, OLD.status, NEW.status, utc_now());
    END IF;
END$$

DELIMITER ;
