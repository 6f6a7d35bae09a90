-- Reference data: fare classes, stations and carriers.

CREATE TABLE fare_classes (
    fare_class_id TINYINT UNSIGNED NOT NULL COMMENT 'Key; also the order of classes from cheapest',
    fare_class VARCHAR(10) NOT NULL COMMENT 'Name used in the API: economy, premium, business, first',
    title VARCHAR(40) NOT NULL COMMENT 'Display name',
    seat_prefix CHAR(1) NOT NULL COMMENT 'Letter that starts the seat numbers of this class',
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT 'When the row was added (UTC)',
    CONSTRAINT pk_fare_classes PRIMARY KEY (fare_class_id),
    CONSTRAINT uq_fare_classes_fare_class UNIQUE (fare_class),
    CONSTRAINT uq_fare_classes_seat_prefix UNIQUE (seat_prefix),
    CONSTRAINT ck_fare_classes_fare_class CHECK (fare_class COLLATE utf8mb4_bin REGEXP '^[a-z]+$')
) ENGINE = InnoDB
DEFAULT CHARSET = utf8mb4
COLLATE = utf8mb4_unicode_520_ci
COMMENT = 'Fare classes a trip can sell seats in';

INSERT INTO fare_classes (fare_class_id, fare_class, title, seat_prefix) VALUES
(1, 'economy', 'Economy', 'E'),
(2, 'premium', 'Premium economy', 'P'),
(3, 'business', 'Business', 'B'),
(4, 'first', 'First', 'F');

CREATE TABLE stations (
    station_id INT UNSIGNED NOT NULL AUTO_INCREMENT COMMENT 'Key',
    code VARCHAR(10) NOT NULL COMMENT 'IATA code for airports, station code for rail and bus',
    name VARCHAR(200) NOT NULL COMMENT 'Station or airport name',
    city VARCHAR(100) NOT NULL COMMENT 'City served',
    country CHAR(2) NOT NULL COMMENT 'ISO 3166-1 alpha-2 country code',
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT 'When the row was added (UTC)',
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP
    COMMENT 'When the row last changed (UTC)',
    CONSTRAINT pk_stations PRIMARY KEY (station_id),
    CONSTRAINT uq_stations_code UNIQUE (code),
    CONSTRAINT ck_stations_code CHECK (code COLLATE utf8mb4_bin REGEXP '^[A-Z0-9]{2,10}$'),
    CONSTRAINT ck_stations_name CHECK (CHAR_LENGTH(TRIM(name)) > 0),
    CONSTRAINT ck_stations_city CHECK (CHAR_LENGTH(TRIM(city)) > 0),
    CONSTRAINT ck_stations_country CHECK (country COLLATE utf8mb4_bin REGEXP '^[A-Z]{2}$')
) ENGINE = InnoDB
DEFAULT CHARSET = utf8mb4
COLLATE = utf8mb4_unicode_520_ci
COMMENT = 'Airports, railway stations and bus stations';

CREATE TABLE carriers (
    carrier_id INT UNSIGNED NOT NULL AUTO_INCREMENT COMMENT 'Key',
    code VARCHAR(10) NOT NULL COMMENT 'Airline IATA code or operator code',
    name VARCHAR(200) NOT NULL COMMENT 'Carrier name',
    mode VARCHAR(5) NOT NULL COMMENT 'What it runs: air, rail or bus',
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT 'When the row was added (UTC)',
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP
    COMMENT 'When the row last changed (UTC)',
    CONSTRAINT pk_carriers PRIMARY KEY (carrier_id),
    CONSTRAINT uq_carriers_code UNIQUE (code),
    -- Target of trips' composite foreign key: a trip's mode is its carrier's.
    CONSTRAINT uq_carriers_carrier_mode UNIQUE (carrier_id, mode),
    CONSTRAINT ck_carriers_code CHECK (code COLLATE utf8mb4_bin REGEXP '^[A-Z0-9]{2,10}$'),
    CONSTRAINT ck_carriers_name CHECK (CHAR_LENGTH(TRIM(name)) > 0),
    CONSTRAINT ck_carriers_mode CHECK (mode IN ('air', 'rail', 'bus'))
) ENGINE = InnoDB
DEFAULT CHARSET = utf8mb4
COLLATE = utf8mb4_unicode_520_ci
COMMENT = 'Airlines, railway and bus operators';
