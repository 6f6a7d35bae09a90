-- add_trip: schedules a trip of a carrier between two stations with its fares. The trip takes
-- its carrier's mode and gets its row in flights, trains or buses; p_details may name the
-- vehicle ({"vehicle": "A320"}; also "aircraft" for air, "train_type" for rail).
-- p_fares: [{"fare_class": "economy", "capacity": 150, "price": "120.00", "currency": "EUR"}, ...],
-- one to four distinct classes, one currency.
-- Errors: INVALID_ARGUMENT (bad times, same origin and destination, malformed fares or details,
--         unknown fare class, mixed currencies), NOT_FOUND (carrier or station), DUPLICATE (the
--         carrier already runs this service number at this time).
-- Locks: inserts the trip, its subtype row and its fares; nothing existing is locked.
-- requires: raise_error, utc_now
DROP PROCEDURE IF EXISTS add_trip;

DELIMITER $$

CREATE PROCEDURE add_trip (
    IN p_carrier_code VARCHAR(10),
    IN p_service_number VARCHAR(16),
    IN p_origin_code VARCHAR(10),
    IN p_destination_code VARCHAR(10),
    IN p_departs_at DATETIME,
    IN p_arrives_at DATETIME,
    IN p_fares JSON,
    IN p_details JSON,
    OUT p_trip_id BIGINT
)
MODIFIES SQL DATA
SQL SECURITY DEFINER
COMMENT 'Adds a trip with its fares and mode row; returns the trip id'
BEGIN
    DECLARE v_carrier_id INT;
    DECLARE v_mode VARCHAR(5);
    DECLARE v_origin_id INT;
    DECLARE v_destination_id INT;
    DECLARE v_vehicle VARCHAR(40);
    DECLARE v_count INT;
    DECLARE v_index INT DEFAULT 0;
    DECLARE v_fare JSON;
    DECLARE v_classes INT;
    DECLARE v_currencies INT;
    DECLARE EXIT HANDLER FOR 1062
    BEGIN
        ROLLBACK;
        CALL raise_error(50005, 'the carrier already runs this service number at this departure time');
    END;
    DECLARE EXIT HANDLER FOR SQLEXCEPTION
    BEGIN
        ROLLBACK;
        RESIGNAL;
    END;

    -- The caller's session reaches in here: switch back on the checks this procedure relies on,
    -- and let auto-increment choose the keys (SET insert_id could pick a key near the maximum).
    SET foreign_key_checks = 1, unique_checks = 1, insert_id = 0;

    SELECT
        carrier_id,
        mode
    INTO v_carrier_id, v_mode
    FROM carriers
    WHERE code = TRIM(p_carrier_code);
    SELECT station_id INTO v_origin_id FROM stations
    WHERE code = TRIM(p_origin_code);
    SELECT station_id INTO v_destination_id FROM stations
    WHERE code = TRIM(p_destination_code);
    IF v_carrier_id IS NULL THEN
        CALL raise_error(50002, 'carrier does not exist');
    ELSEIF v_origin_id IS NULL OR v_destination_id IS NULL THEN
        CALL raise_error(50002, 'origin or destination station does not exist');
    ELSEIF v_origin_id = v_destination_id THEN
        CALL raise_error(50001, 'origin and destination must differ');
    ELSEIF COALESCE(CHAR_LENGTH(TRIM(p_service_number)), 0) = 0 THEN
        CALL raise_error(50001, 'service number must not be empty');
    ELSEIF p_departs_at IS NULL OR p_departs_at < '2000-01-01' OR p_departs_at > '9000-01-01' THEN
        CALL raise_error(50001, 'departs_at must be a real date and time (UTC)');
    ELSEIF p_arrives_at IS NULL OR p_arrives_at <= p_departs_at OR p_arrives_at > '9000-01-01' THEN
        CALL raise_error(50001, 'arrives_at must be after departs_at');
    ELSEIF p_details IS NOT NULL AND (NOT JSON_VALID(p_details) OR JSON_TYPE(p_details) <> 'OBJECT') THEN
        CALL raise_error(50001, 'details must be a JSON object or NULL');
    ELSEIF p_fares IS NULL OR NOT JSON_VALID(p_fares) OR JSON_TYPE(p_fares) <> 'ARRAY' THEN
        CALL raise_error(50001, 'fares must be a JSON array');
    END IF;

    SET v_count = JSON_LENGTH(p_fares);
    IF v_count NOT BETWEEN 1 AND 4 THEN
        CALL raise_error(50001, 'a trip has one to four fares');
    END IF;
    WHILE v_index < v_count DO
        SET v_fare = JSON_EXTRACT(p_fares, CONCAT('$[', v_index, ']'));
        IF
            JSON_TYPE(v_fare) <> 'OBJECT'
            OR COALESCE(JSON_TYPE(JSON_EXTRACT(v_fare, '$.fare_class')), '') <> 'STRING'
            OR COALESCE(JSON_TYPE(JSON_EXTRACT(v_fare, '$.currency')), '') <> 'STRING'
            OR COALESCE(JSON_TYPE(JSON_EXTRACT(v_fare, '$.capacity')), '') NOT IN ('INTEGER', 'UNSIGNED INTEGER')
            OR COALESCE(JSON_TYPE(JSON_EXTRACT(v_fare, '$.price')), '') NOT IN (
                'STRING', 'INTEGER', 'DOUBLE', 'DECIMAL'
            )
        THEN
            CALL raise_error(50001, 'each fare needs fare_class, capacity (integer), price and currency');
        ELSEIF JSON_UNQUOTE(JSON_EXTRACT(v_fare, '$.fare_class')) NOT IN (SELECT fare_class FROM fare_classes) THEN
            CALL raise_error(50001, 'unknown fare class name');
        ELSEIF JSON_EXTRACT(v_fare, '$.capacity') NOT BETWEEN 1 AND 1000000 THEN
            CALL raise_error(50001, 'capacity must be between 1 and 1000000');
        ELSEIF JSON_UNQUOTE(JSON_EXTRACT(v_fare, '$.price')) NOT REGEXP '^[0-9]{1,10}([.][0-9]{1,2})?$' THEN
            CALL raise_error(50001, 'price must be a non-negative amount with at most two decimals');
        ELSEIF JSON_UNQUOTE(JSON_EXTRACT(v_fare, '$.currency')) COLLATE utf8mb4_bin NOT REGEXP '^[A-Z]{3}$' THEN
            CALL raise_error(50001, 'currency must be an ISO 4217 code in capitals');
        END IF;
        SET v_index = v_index + 1;
    END WHILE;

    SELECT
        COUNT(DISTINCT j.fare_class) AS classes,
        COUNT(DISTINCT j.currency) AS currencies
    INTO v_classes, v_currencies
    FROM JSON_TABLE(
        p_fares, '$[*]' COLUMNS (fare_class VARCHAR(10) PATH '$.fare_class', currency CHAR(3) PATH '$.currency')
    ) AS j;
    IF v_classes <> v_count THEN
        CALL raise_error(50001, 'a fare class appears twice');
    ELSEIF v_currencies <> 1 THEN
        CALL raise_error(50001, 'all fares of a trip must be in one currency');
    END IF;

    SET v_vehicle = LEFT(JSON_UNQUOTE(COALESCE(
        JSON_EXTRACT(p_details, '$.vehicle'),
        JSON_EXTRACT(p_details, CASE v_mode WHEN 'air' THEN '$.aircraft' WHEN 'rail' THEN '$.train_type' END)
    )), 40);

    START TRANSACTION;
    INSERT INTO trips (
        carrier_id, mode, service_number, origin_station_id, destination_station_id, departs_at, arrives_at, created_at
    )
    VALUES (
        v_carrier_id, v_mode, TRIM(p_service_number), v_origin_id, v_destination_id, p_departs_at, p_arrives_at,
        utc_now()
    );
    SET p_trip_id = LAST_INSERT_ID();
    IF v_mode = 'air' THEN
        INSERT INTO flights (trip_id, aircraft, created_at) VALUES (p_trip_id, v_vehicle, utc_now());
    ELSEIF v_mode = 'rail' THEN
        INSERT INTO trains (trip_id, train_type, created_at) VALUES (p_trip_id, v_vehicle, utc_now());
    ELSE
        INSERT INTO buses (trip_id, vehicle, created_at) VALUES (p_trip_id, v_vehicle, utc_now());
    END IF;
    INSERT INTO trip_fares (trip_id, fare_class_id, capacity, price, currency, created_at)
    SELECT
        p_trip_id AS trip_id,
        fc.fare_class_id,
        j.capacity,
        CAST(j.price AS DECIMAL(12, 2)) AS price,
        j.currency,
        utc_now() AS created_at
    FROM
        JSON_TABLE(
            p_fares, '$[*]' COLUMNS (
                fare_class VARCHAR(10) PATH '$.fare_class',
                capacity INT PATH '$.capacity',
                price VARCHAR(20) PATH '$.price',
                currency CHAR(3) PATH '$.currency'
            )
        ) AS j
    INNER JOIN fare_classes AS fc ON j.fare_class = fc.fare_class;
    COMMIT;
END$$

DELIMITER ;
