-- list_reservations: the caller's reservations, newest first; p_status NULL means all.
-- Result: reservation_id, booking_ref, user_id, status, total_amount, currency, created_at,
-- expires_at, first_departs_at, segments, passengers.
-- Errors: NOT_FOUND (no such user), INVALID_ARGUMENT (unknown status).
-- Locks: none: a plain read by idx_reservations_user_id_created_at.
-- requires: raise_error
DROP PROCEDURE IF EXISTS list_reservations;

DELIMITER $$

CREATE PROCEDURE list_reservations (IN p_user_id BIGINT, IN p_status VARCHAR(10))
READS SQL DATA
SQL SECURITY DEFINER
COMMENT 'A user''s reservations, newest first, optionally of one status'
BEGIN
    DECLARE v_found BIGINT;

    IF p_status IS NOT NULL AND p_status NOT IN ('held', 'confirmed', 'cancelled', 'expired') THEN
        CALL raise_error(50001, 'status must be held, confirmed, cancelled or expired');
    END IF;
    SELECT user_id INTO v_found FROM users
    WHERE user_id = p_user_id;
    IF v_found IS NULL THEN
        CALL raise_error(50002, 'user does not exist');
    END IF;

    SELECT
        r.reservation_id,
        r.booking_ref,
        r.user_id,
        r.status,
        r.total_amount,
        r.currency,
        r.created_at,
        r.expires_at,
        r.first_departs_at,
        (
            SELECT COUNT(*) FROM reservation_segments AS s
            WHERE s.reservation_id = r.reservation_id
        ) AS segments,
        (
            SELECT COUNT(*) FROM passengers AS p
            WHERE p.reservation_id = r.reservation_id
        ) AS passengers
    FROM reservations AS r
    WHERE r.user_id = p_user_id AND (p_status IS NULL OR r.status = p_status)
    ORDER BY r.created_at DESC, r.reservation_id DESC;
END$$

DELIMITER ;
