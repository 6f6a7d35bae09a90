-- The reservation-history triggers stop reading the clock themselves. On Galera a transaction
-- brute-force aborted while utc_now() opened `settings` inside a trigger reached the caller as
-- 1146 "Table ... doesn't exist" (tests/cluster/test_races.py, about 1 call in 500). The
-- procedures already read the trusted clock once, before their transaction: they write it to
-- reservations.created_at on insert and to reservations.updated_at with every status change,
-- and the history takes it from there.

DROP TRIGGER record_reservation_creation;

DROP TRIGGER record_reservation_status_change;

DELIMITER $$

CREATE TRIGGER record_reservation_creation
AFTER INSERT ON reservations
FOR EACH ROW
BEGIN
    INSERT INTO reservation_status_history (reservation_id, old_status, new_status, changed_at)
    VALUES (NEW.reservation_id, NULL, NEW.status, NEW.created_at);
END$$

CREATE TRIGGER record_reservation_status_change
AFTER UPDATE ON reservations
FOR EACH ROW
BEGIN
    IF NEW.status <> OLD.status THEN
        INSERT INTO reservation_status_history (reservation_id, old_status, new_status, changed_at)
        VALUES (NEW.reservation_id, OLD.status, NEW.status, NEW.updated_at);
    END IF;
END$$

DELIMITER ;
