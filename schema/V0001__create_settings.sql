-- Settings the procedures read at run time (hold_minutes, ...), one row per key.
CREATE TABLE settings (
    setting_key VARCHAR(64) NOT NULL COMMENT 'Name of the setting',
    setting_value VARCHAR(255) NOT NULL COMMENT 'Value as text; the reader casts it',
    description VARCHAR(255) NOT NULL COMMENT 'What the setting controls',
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT 'When the row was added',
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP
    COMMENT 'When the value last changed',
    CONSTRAINT pk_settings PRIMARY KEY (setting_key)
) ENGINE = InnoDB
DEFAULT CHARSET = utf8mb4
COLLATE = utf8mb4_unicode_520_ci
COMMENT = 'Tunable settings read by the procedures';

INSERT INTO settings (setting_key, setting_value, description)
VALUES ('hold_minutes', '15', 'Minutes a held reservation keeps its seats before it expires');
