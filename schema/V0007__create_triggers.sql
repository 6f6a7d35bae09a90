-- Reservation status history, and append-only money tables.
-- Payments and refunds are never updated or deleted: no procedure needs to, so the triggers
-- refuse every UPDATE and DELETE with FORBIDDEN (errno 50007).

DELIMITER $$

CREATE TRIGGER record_reservation_creation
AFTER INSERT ON reservations
FOR EACH ROW
BEGIN
    INSERT INTO reservation_status_history (reservation_id, old_status, new_status, changed_at)
    VALUES (NEW.reservation_id, NULL, NEW.status, UTC_TIMESTAMP());
END$$

CREATE TRIGGER record_reservation_status_change
AFTER UPDATE ON reservations
FOR EACH ROW
BEGIN
    IF NEW.status <> OLD.status THEN
        INSERT INTO reservation_status_history (reservation_id, old_status, new_status, changed_at)
        VALUES (NEW.reservation_id, OLD.status, NEW.status, UTC_TIMESTAMP());
    END IF;
END$$

CREATE TRIGGER forbid_payment_update
BEFORE UPDATE ON payments
FOR EACH ROW
BEGIN
    SIGNAL SQLSTATE '45000' SET MYSQL_ERRNO = 50007, MESSAGE_TEXT = 'FORBIDDEN: payments are append-only';
END$$

CREATE TRIGGER forbid_payment_delete
BEFORE DELETE ON payments
FOR EACH ROW
BEGIN
    SIGNAL SQLSTATE '45000' SET MYSQL_ERRNO = 50007, MESSAGE_TEXT = 'FORBIDDEN: payments are append-only';
END$$

CREATE TRIGGER forbid_refund_update
BEFORE UPDATE ON refunds
FOR EACH ROW
BEGIN
    SIGNAL SQLSTATE '45000' SET MYSQL_ERRNO = 50007, MESSAGE_TEXT = 'FORBIDDEN: refunds are append-only';
END$$

CREATE TRIGGER forbid_refund_delete
BEFORE DELETE ON refunds
FOR EACH ROW
BEGIN
    SIGNAL SQLSTATE '45000' SET MYSQL_ERRNO = 50007, MESSAGE_TEXT = 'FORBIDDEN: refunds are append-only';
END$$

DELIMITER ;
