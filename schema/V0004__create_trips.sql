-- Trips (the supertype), their mode subtypes, and seat inventory per fare class.

CREATE TABLE trips (
    trip_id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT COMMENT 'Key',
    carrier_id INT UNSIGNED NOT NULL COMMENT 'Carrier running the trip',
    mode VARCHAR(5) NOT NULL COMMENT 'air, rail or bus: always the carrier''s mode (composite foreign key)',
    service_number VARCHAR(16) NOT NULL COMMENT 'Flight, train or bus number, e.g. LH400',
    origin_station_id INT UNSIGNED NOT NULL COMMENT 'Station the trip departs from',
    destination_station_id INT UNSIGNED NOT NULL COMMENT 'Station the trip arrives at',
    departs_at DATETIME NOT NULL COMMENT 'Departure (UTC)',
    arrives_at DATETIME NOT NULL COMMENT 'Arrival (UTC)',
    status VARCHAR(10) NOT NULL DEFAULT 'scheduled' COMMENT 'scheduled, cancelled or departed',
    cancel_reason VARCHAR(200) NULL COMMENT 'Why the carrier cancelled it',
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT 'When the trip was added (UTC)',
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP
    COMMENT 'When the row last changed (UTC)',
    CONSTRAINT pk_trips PRIMARY KEY (trip_id),
    CONSTRAINT uq_trips_carrier_service_departure UNIQUE (carrier_id, service_number, departs_at),
    -- Target of the subtypes' composite foreign keys: a subtype row matches its trip's mode.
    CONSTRAINT uq_trips_trip_mode UNIQUE (trip_id, mode),
    CONSTRAINT fk_trips_carriers FOREIGN KEY (carrier_id, mode) REFERENCES carriers (carrier_id, mode),
    CONSTRAINT fk_trips_origin_stations FOREIGN KEY (origin_station_id) REFERENCES stations (station_id),
    CONSTRAINT fk_trips_destination_stations FOREIGN KEY (destination_station_id)
    REFERENCES stations (station_id),
    CONSTRAINT ck_trips_mode CHECK (mode IN ('air', 'rail', 'bus')),
    CONSTRAINT ck_trips_service_number CHECK (CHAR_LENGTH(TRIM(service_number)) > 0),
    CONSTRAINT ck_trips_arrives_after_departs CHECK (arrives_at > departs_at),
    CONSTRAINT ck_trips_origin_not_destination CHECK (origin_station_id <> destination_station_id),
    CONSTRAINT ck_trips_status CHECK (status IN ('scheduled', 'cancelled', 'departed')),
    INDEX idx_trips_route_departs_at (origin_station_id, destination_station_id, departs_at),
    INDEX idx_trips_destination_station_id (destination_station_id),
    INDEX idx_trips_carrier_id_mode (carrier_id, mode),
    INDEX idx_trips_departs_at (departs_at)
) ENGINE = InnoDB
DEFAULT CHARSET = utf8mb4
COLLATE = utf8mb4_unicode_520_ci
COMMENT = 'Scheduled journeys between two stations; one subtype row per trip holds mode detail';

CREATE TABLE flights (
    trip_id BIGINT UNSIGNED NOT NULL COMMENT 'The trip this flight is',
    mode VARCHAR(5) NOT NULL DEFAULT 'air' COMMENT 'Always air; part of the foreign key to trips',
    aircraft VARCHAR(40) NULL COMMENT 'Aircraft type, e.g. A320',
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT 'When the row was added (UTC)',
    CONSTRAINT pk_flights PRIMARY KEY (trip_id),
    CONSTRAINT fk_flights_trips FOREIGN KEY (trip_id, mode) REFERENCES trips (trip_id, mode) ON DELETE CASCADE,
    CONSTRAINT ck_flights_mode CHECK (mode = 'air'),
    INDEX idx_flights_trip_id_mode (trip_id, mode)
) ENGINE = InnoDB
DEFAULT CHARSET = utf8mb4
COLLATE = utf8mb4_unicode_520_ci
COMMENT = 'Trips by air: aircraft detail';

CREATE TABLE trains (
    trip_id BIGINT UNSIGNED NOT NULL COMMENT 'The trip this train is',
    mode VARCHAR(5) NOT NULL DEFAULT 'rail' COMMENT 'Always rail; part of the foreign key to trips',
    train_type VARCHAR(40) NULL COMMENT 'Rolling stock or service type, e.g. ICE 3',
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT 'When the row was added (UTC)',
    CONSTRAINT pk_trains PRIMARY KEY (trip_id),
    CONSTRAINT fk_trains_trips FOREIGN KEY (trip_id, mode) REFERENCES trips (trip_id, mode) ON DELETE CASCADE,
    CONSTRAINT ck_trains_mode CHECK (mode = 'rail'),
    INDEX idx_trains_trip_id_mode (trip_id, mode)
) ENGINE = InnoDB
DEFAULT CHARSET = utf8mb4
COLLATE = utf8mb4_unicode_520_ci
COMMENT = 'Trips by rail: train detail';

CREATE TABLE buses (
    trip_id BIGINT UNSIGNED NOT NULL COMMENT 'The trip this bus is',
    mode VARCHAR(5) NOT NULL DEFAULT 'bus' COMMENT 'Always bus; part of the foreign key to trips',
    vehicle VARCHAR(40) NULL COMMENT 'Coach model, e.g. Setra S 516',
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT 'When the row was added (UTC)',
    CONSTRAINT pk_buses PRIMARY KEY (trip_id),
    CONSTRAINT fk_buses_trips FOREIGN KEY (trip_id, mode) REFERENCES trips (trip_id, mode) ON DELETE CASCADE,
    CONSTRAINT ck_buses_mode CHECK (mode = 'bus'),
    INDEX idx_buses_trip_id_mode (trip_id, mode)
) ENGINE = InnoDB
DEFAULT CHARSET = utf8mb4
COLLATE = utf8mb4_unicode_520_ci
COMMENT = 'Trips by bus: vehicle detail';

-- seats_held and seats_sold are deliberate denormalisations (counters of live holds and active
-- tickets) so that booking is one guarded UPDATE; integrity_violations checks them.
CREATE TABLE trip_fares (
    trip_id BIGINT UNSIGNED NOT NULL COMMENT 'Trip the seats are on',
    fare_class_id TINYINT UNSIGNED NOT NULL COMMENT 'Fare class of the seats',
    capacity INT UNSIGNED NOT NULL COMMENT 'Seats for sale in this class',
    seats_held INT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'Seats held by reservations in status held',
    seats_sold INT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'Seats with an active ticket',
    seats_issued INT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'Seat numbers handed out so far (next seat is this + 1)',
    price DECIMAL(12, 2) NOT NULL COMMENT 'Price of one seat',
    currency CHAR(3) NOT NULL COMMENT 'ISO 4217 currency of the price',
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT 'When the fare was added (UTC)',
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP
    COMMENT 'When the row last changed (UTC)',
    CONSTRAINT pk_trip_fares PRIMARY KEY (trip_id, fare_class_id),
    CONSTRAINT fk_trip_fares_trips FOREIGN KEY (trip_id) REFERENCES trips (trip_id),
    CONSTRAINT fk_trip_fares_fare_classes FOREIGN KEY (fare_class_id) REFERENCES fare_classes (fare_class_id),
    CONSTRAINT ck_trip_fares_seats CHECK (seats_held + seats_sold <= capacity),
    CONSTRAINT ck_trip_fares_capacity CHECK (capacity > 0 AND capacity <= 1000000),
    CONSTRAINT ck_trip_fares_price CHECK (price >= 0),
    CONSTRAINT ck_trip_fares_currency CHECK (currency COLLATE utf8mb4_bin REGEXP '^[A-Z]{3}$'),
    INDEX idx_trip_fares_fare_class_id (fare_class_id)
) ENGINE = InnoDB
DEFAULT CHARSET = utf8mb4
COLLATE = utf8mb4_unicode_520_ci
COMMENT = 'Seat inventory and price of each fare class on a trip';
