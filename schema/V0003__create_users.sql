-- Customers and their login attempts.

CREATE TABLE users (
    user_id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT COMMENT 'Key',
    email VARCHAR(255) NOT NULL COMMENT 'Login name, stored lower-case',
    password_hash VARCHAR(255) NOT NULL COMMENT 'Memory-hard hash made by the caller; never readable by analysts',
    full_name VARCHAR(200) NOT NULL COMMENT 'Name of the account holder',
    phone VARCHAR(32) NULL COMMENT 'Contact phone number, free form',
    status VARCHAR(10) NOT NULL DEFAULT 'active' COMMENT 'active or disabled',
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT 'When the account was registered (UTC)',
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP
    COMMENT 'When the row last changed (UTC)',
    CONSTRAINT pk_users PRIMARY KEY (user_id),
    CONSTRAINT uq_users_email UNIQUE (email),
    CONSTRAINT ck_users_email CHECK (
        email COLLATE utf8mb4_bin = LOWER(email) AND email REGEXP '^[^@[:space:]]+@[^@[:space:]]+\\.[^@[:space:]]+$'
    ),
    CONSTRAINT ck_users_password_hash CHECK (CHAR_LENGTH(password_hash) > 0),
    CONSTRAINT ck_users_full_name CHECK (CHAR_LENGTH(TRIM(full_name)) > 0),
    CONSTRAINT ck_users_status CHECK (status IN ('active', 'disabled')),
    INDEX idx_users_created_at (created_at)
) ENGINE = InnoDB
DEFAULT CHARSET = utf8mb4
COLLATE = utf8mb4_unicode_520_ci
COMMENT = 'Customer accounts';

CREATE TABLE login_events (
    login_event_id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT COMMENT 'Key',
    user_id BIGINT UNSIGNED NOT NULL COMMENT 'Account that tried to log in',
    success TINYINT(1) NOT NULL COMMENT '1 when the password matched',
    ip VARCHAR(45) NULL COMMENT 'Client address, IPv4 or IPv6',
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT 'When the attempt happened (UTC)',
    CONSTRAINT pk_login_events PRIMARY KEY (login_event_id),
    CONSTRAINT fk_login_events_users FOREIGN KEY (user_id) REFERENCES users (user_id),
    CONSTRAINT ck_login_events_success CHECK (success IN (0, 1)),
    INDEX idx_login_events_user_id_created_at (user_id, created_at),
    INDEX idx_login_events_created_at (created_at)
) ENGINE = InnoDB
DEFAULT CHARSET = utf8mb4
COLLATE = utf8mb4_unicode_520_ci
COMMENT = 'Login attempts, for security and the active-users report';
