-- Reservations, the trips they hold (segments), passengers, tickets and status history.

CREATE TABLE reservations (
    reservation_id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT COMMENT 'Key',
    booking_ref CHAR(6) NOT NULL COMMENT 'Six-character reference given to the customer',
    user_id BIGINT UNSIGNED NOT NULL COMMENT 'Customer who made it',
    status VARCHAR(10) NOT NULL DEFAULT 'held' COMMENT 'held, confirmed, cancelled or expired',
    total_amount DECIMAL(12, 2) NOT NULL COMMENT 'Price of every seat of every segment',
    currency CHAR(3) NOT NULL COMMENT 'ISO 4217 currency of the total; one per reservation',
    expires_at DATETIME NULL COMMENT 'When the hold lapses or lapsed (UTC); kept after it ends, for analysis',
    first_departs_at DATETIME NOT NULL COMMENT 'Departure of the earliest segment (UTC), for refund rules',
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT 'When it was made (UTC)',
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP
    COMMENT 'When the row last changed (UTC)',
    CONSTRAINT pk_reservations PRIMARY KEY (reservation_id),
    CONSTRAINT uq_reservations_booking_ref UNIQUE (booking_ref),
    CONSTRAINT fk_reservations_users FOREIGN KEY (user_id) REFERENCES users (user_id),
    CONSTRAINT ck_reservations_booking_ref CHECK (booking_ref COLLATE utf8mb4_bin REGEXP '^[A-Z0-9]{6}$'),
    CONSTRAINT ck_reservations_status CHECK (status IN ('held', 'confirmed', 'cancelled', 'expired')),
    CONSTRAINT ck_reservations_total_amount CHECK (total_amount >= 0),
    CONSTRAINT ck_reservations_currency CHECK (currency COLLATE utf8mb4_bin REGEXP '^[A-Z]{3}$'),
    CONSTRAINT ck_reservations_held_expires CHECK (status <> 'held' OR expires_at IS NOT NULL),
    INDEX idx_reservations_user_id_created_at (user_id, created_at),
    INDEX idx_reservations_status_expires_at (status, expires_at),
    INDEX idx_reservations_created_at (created_at)
) ENGINE = InnoDB
DEFAULT CHARSET = utf8mb4
COLLATE = utf8mb4_unicode_520_ci
COMMENT = 'A customer''s booking of one to four trips for one to nine passengers';

CREATE TABLE reservation_segments (
    reservation_id BIGINT UNSIGNED NOT NULL COMMENT 'Reservation holding the seats',
    segment_no TINYINT UNSIGNED NOT NULL COMMENT 'Position of the trip in the journey, from 1',
    trip_id BIGINT UNSIGNED NOT NULL COMMENT 'Trip booked',
    fare_class_id TINYINT UNSIGNED NOT NULL COMMENT 'Fare class booked',
    unit_price DECIMAL(12, 2) NOT NULL COMMENT 'Price of one seat when booked',
    seats TINYINT UNSIGNED NOT NULL COMMENT 'Seats taken on this trip: the reservation''s passenger count',
    held_until DATETIME NULL COMMENT 'The reservation''s expires_at while its seats are held, else NULL',
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT 'When the row was added (UTC)',
    CONSTRAINT pk_reservation_segments PRIMARY KEY (reservation_id, segment_no),
    CONSTRAINT uq_reservation_segments_reservation_trip UNIQUE (reservation_id, trip_id),
    CONSTRAINT fk_reservation_segments_reservations FOREIGN KEY (reservation_id)
    REFERENCES reservations (reservation_id) ON DELETE CASCADE,
    CONSTRAINT fk_reservation_segments_trip_fares FOREIGN KEY (trip_id, fare_class_id)
    REFERENCES trip_fares (trip_id, fare_class_id),
    CONSTRAINT ck_reservation_segments_segment_no CHECK (segment_no BETWEEN 1 AND 4),
    CONSTRAINT ck_reservation_segments_unit_price CHECK (unit_price >= 0),
    CONSTRAINT ck_reservation_segments_seats CHECK (seats BETWEEN 1 AND 9),
    -- Seats held by expired holds, per fare: search counts them as free without waiting for
    -- the expiry event, and booking reclaims them.
    INDEX idx_reservation_segments_trip_fare_held_until (trip_id, fare_class_id, held_until),
    INDEX idx_reservation_segments_held_until (held_until)
) ENGINE = InnoDB
DEFAULT CHARSET = utf8mb4
COLLATE = utf8mb4_unicode_520_ci
COMMENT = 'The trips a reservation holds seats on, one row per trip';

CREATE TABLE passengers (
    passenger_id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT COMMENT 'Key',
    reservation_id BIGINT UNSIGNED NOT NULL COMMENT 'Reservation the passenger travels on',
    passenger_no TINYINT UNSIGNED NOT NULL COMMENT 'Position in the reservation, from 1',
    full_name VARCHAR(200) NOT NULL COMMENT 'Name as on the travel document',
    birth_date DATE NULL COMMENT 'Date of birth, when given',
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT 'When the row was added (UTC)',
    CONSTRAINT pk_passengers PRIMARY KEY (passenger_id),
    CONSTRAINT uq_passengers_reservation_passenger_no UNIQUE (reservation_id, passenger_no),
    -- Target of tickets' composite foreign key: a ticket's passenger is on its reservation.
    CONSTRAINT uq_passengers_passenger_reservation UNIQUE (passenger_id, reservation_id),
    CONSTRAINT fk_passengers_reservations FOREIGN KEY (reservation_id)
    REFERENCES reservations (reservation_id) ON DELETE CASCADE,
    CONSTRAINT ck_passengers_passenger_no CHECK (passenger_no BETWEEN 1 AND 9),
    CONSTRAINT ck_passengers_full_name CHECK (CHAR_LENGTH(TRIM(full_name)) > 0)
) ENGINE = InnoDB
DEFAULT CHARSET = utf8mb4
COLLATE = utf8mb4_unicode_520_ci
COMMENT = 'People travelling on a reservation';

CREATE TABLE tickets (
    ticket_id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT COMMENT 'Key',
    ticket_number CHAR(13) NOT NULL COMMENT 'Unique ticket number printed on the ticket',
    reservation_id BIGINT UNSIGNED NOT NULL COMMENT 'Reservation paid for',
    passenger_id BIGINT UNSIGNED NOT NULL COMMENT 'Passenger travelling',
    trip_id BIGINT UNSIGNED NOT NULL COMMENT 'Trip the ticket is for; one of the reservation''s segments',
    seat_no VARCHAR(8) NOT NULL COMMENT 'Seat number, fare-class letter and number, e.g. E12',
    status VARCHAR(6) NOT NULL DEFAULT 'active' COMMENT 'active, or void once cancelled',
    active_seat_no VARCHAR(8) GENERATED ALWAYS AS (IF(status = 'active', seat_no, NULL)) STORED
    COMMENT 'seat_no while active, else NULL: unique per trip among active tickets',
    active_flag TINYINT GENERATED ALWAYS AS (IF(status = 'active', 1, NULL)) STORED
    COMMENT '1 while active, else NULL: one active ticket per passenger and trip',
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT 'When it was issued (UTC)',
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP
    COMMENT 'When the row last changed (UTC)',
    CONSTRAINT pk_tickets PRIMARY KEY (ticket_id),
    CONSTRAINT uq_tickets_ticket_number UNIQUE (ticket_number),
    CONSTRAINT uq_tickets_trip_active_seat UNIQUE (trip_id, active_seat_no),
    CONSTRAINT uq_tickets_passenger_trip_active UNIQUE (passenger_id, trip_id, active_flag),
    CONSTRAINT fk_tickets_passengers FOREIGN KEY (passenger_id, reservation_id)
    REFERENCES passengers (passenger_id, reservation_id),
    CONSTRAINT fk_tickets_reservation_segments FOREIGN KEY (reservation_id, trip_id)
    REFERENCES reservation_segments (reservation_id, trip_id),
    CONSTRAINT ck_tickets_ticket_number CHECK (ticket_number COLLATE utf8mb4_bin REGEXP '^[0-9]{13}$'),
    CONSTRAINT ck_tickets_status CHECK (status IN ('active', 'void')),
    INDEX idx_tickets_reservation_trip (reservation_id, trip_id),
    INDEX idx_tickets_passenger_reservation (passenger_id, reservation_id)
) ENGINE = InnoDB
DEFAULT CHARSET = utf8mb4
COLLATE = utf8mb4_unicode_520_ci
COMMENT = 'One ticket per passenger per segment of a confirmed reservation';

CREATE TABLE reservation_status_history (
    reservation_status_history_id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT COMMENT 'Key',
    reservation_id BIGINT UNSIGNED NOT NULL COMMENT 'Reservation whose status changed',
    old_status VARCHAR(10) NULL COMMENT 'Status before; NULL when the reservation was created',
    new_status VARCHAR(10) NOT NULL COMMENT 'Status after',
    changed_at DATETIME NOT NULL COMMENT 'When it changed (UTC)',
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT 'When the row was written (UTC)',
    CONSTRAINT pk_reservation_status_history PRIMARY KEY (reservation_status_history_id),
    CONSTRAINT fk_reservation_status_history_reservations FOREIGN KEY (reservation_id)
    REFERENCES reservations (reservation_id) ON DELETE CASCADE,
    INDEX idx_reservation_status_history_reservation_id (reservation_id),
    INDEX idx_reservation_status_history_changed_at (changed_at)
) ENGINE = InnoDB
DEFAULT CHARSET = utf8mb4
COLLATE = utf8mb4_unicode_520_ci
COMMENT = 'Every status a reservation passed through, written by triggers';
