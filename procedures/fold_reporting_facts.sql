-- fold_reporting_facts: one batch of the reporting fold (schema/V0030): writes booking_facts,
-- money_facts and user_activity_days for the next p_batch_size pending reservations after the
-- pass's cursor, in one transaction, from the base tables as they are now. A pass walks every
-- pending reservation once in key order; when a batch reaches the last one, the pass is done and
-- its start becomes the watermark (reporting_folds.folded_until): every change committed before
-- it is in the reporting tables. Held reservations stay pending (their end marks nothing);
-- others are cleared (their one later change, a cancellation with a refund, is written by the
-- refund triggers of V0030).
-- p_folded: reservations written; p_pass: 1 = this batch began a pass, 2 = it ended one, 3 both.
-- Errors: INVALID_ARGUMENT (batch size outside 1..2000).
-- Locks, in order: the reporting_folds row (every batch writes it first, so batches queue, and
-- on Galera two nodes' batches conflict in certification), then the batch's reservations that
-- are no longer held (found by a plain read, then locked by key, so no cancellation of one
-- commits halfway through the batch; cancel locks its reservation first too), then the
-- reporting rows. The keys locked are kept (v_done) and exactly those are cleared at the end,
-- by the batch's one update of reservations (until 2026-11 an UPDATE marked them 2, "being
-- folded", before the reporting writes and a second one cleared them: two updates of every
-- folded reservation). On Galera, where the locking read is node-local, that update writes
-- every row the batch relied on, so a cancellation of one on another node and the batch cannot
-- both certify.
-- Held reservations are read without a lock (READ COMMITTED: INSERT ... SELECT reads take no
-- locks, and the locking read visits only the keys the plain read found not held), so holds
-- and payments never wait for the fold; they stay pending. A hold paid while the batch runs was
-- read as held, is not among the keys kept, and stays pending too.
-- Size: a batch of 500 writes at most 500 booking facts, 500 activity days, 500 reservation
-- clears and 8 money facts a reservation (4 segments x payment and refund): ~5,500 rows.
-- requires: raise_error, utc_now
DROP PROCEDURE IF EXISTS fold_reporting_facts;

DELIMITER $$

CREATE PROCEDURE fold_reporting_facts (
    IN p_batch_size INT,
    OUT p_folded INT,
    OUT p_pass TINYINT
)
MODIFIES SQL DATA
SQL SECURITY DEFINER
COMMENT 'One batch of the reporting fold: pending reservations into the reporting tables'
BEGIN
    DECLARE v_now DATETIME DEFAULT utc_now();
    DECLARE v_from BIGINT UNSIGNED;
    DECLARE v_to BIGINT UNSIGNED;
    DECLARE v_last INT;
    DECLARE v_pass_started DATETIME;
    DECLARE v_done LONGTEXT;
    DECLARE EXIT HANDLER FOR SQLEXCEPTION
    BEGIN
        ROLLBACK;
        RESIGNAL;
    END;

    -- v_done is built with JSON_ARRAYAGG, which the caller's group_concat_max_len could cut short.
    SET foreign_key_checks = 1, unique_checks = 1, group_concat_max_len = GREATEST(@@group_concat_max_len, 1048576);
    IF p_batch_size IS NULL OR p_batch_size NOT BETWEEN 1 AND 2000 THEN
        CALL raise_error(50001, 'batch size must be 1 to 2000');
    END IF;
    SET v_last = p_batch_size - 1, p_pass = 0;

    COMMIT;
    SET TRANSACTION ISOLATION LEVEL READ COMMITTED;
    START TRANSACTION;
    SELECT
        cursor_id,
        COALESCE(pass_started_at, v_now) AS pass_started_at
    INTO v_from, v_pass_started
    FROM reporting_folds
    WHERE job = 'reporting_facts'
    FOR UPDATE;
    IF v_from = 0 THEN
        SET p_pass = 1;
    END IF;
    -- The batch ends at the p_batch_size-th pending reservation after the cursor, or at the last.
    SELECT reservation_id INTO v_to FROM reservations
    WHERE facts_pending = 1 AND reservation_id > v_from
    ORDER BY reservation_id
    LIMIT v_last, 1;
    IF v_to IS NULL THEN
        SET p_pass = p_pass + 2;
        SELECT COALESCE(MAX(reservation_id), v_from) INTO v_to FROM reservations
        WHERE facts_pending = 1 AND reservation_id > v_from;
    END IF;
    SELECT COUNT(*) INTO p_folded FROM reservations
    WHERE facts_pending = 1 AND reservation_id > v_from AND reservation_id <= v_to;

    IF p_folded > 0 THEN
        -- Lock the batch's reservations that have left held, so none changes (a cancellation)
        -- before this commits, and keep their keys: only these are cleared below. Found first
        -- with a plain read, then locked by key: a locking read of the pending range would also
        -- lock the held reservations it passes over (through idx_reservations_facts_pending,
        -- until the end of the batch), and a payment would wait for the fold. Held ones are not
        -- locked: they stay pending and the next pass sees how they ended.
        SELECT COALESCE(JSON_ARRAYAGG(reservation_id), '[]') INTO v_done
        FROM reservations
        WHERE facts_pending = 1 AND reservation_id > v_from AND reservation_id <= v_to AND status <> 'held';
        SELECT COALESCE(JSON_ARRAYAGG(r.reservation_id), '[]') INTO v_done
        FROM JSON_TABLE(v_done, '$[*]' COLUMNS (reservation_id BIGINT UNSIGNED PATH '$')) AS done
        INNER JOIN reservations AS r ON done.reservation_id = r.reservation_id
        WHERE r.facts_pending = 1 AND r.status <> 'held'
        FOR UPDATE;
        INSERT INTO booking_facts (
            created_at, reservation_id, user_id, status, currency, total_amount, first_departs_at, lead_days,
            mode, origin_station_id, destination_station_id, passengers, paid, refunded
        )
        SELECT
            r.created_at,
            r.reservation_id,
            r.user_id,
            r.status,
            r.currency,
            r.total_amount,
            r.first_departs_at,
            DATEDIFF(r.first_departs_at, r.created_at) AS lead_days,
            t.mode,
            t.origin_station_id,
            t.destination_station_id,
            s.seats AS passengers,
            (
                SELECT COALESCE(SUM(pay.amount), 0) FROM payments AS pay
                WHERE pay.reservation_id = r.reservation_id
            ) AS paid,
            (
                SELECT COALESCE(SUM(ref.amount), 0) FROM refunds AS ref
                WHERE ref.reservation_id = r.reservation_id
            ) AS refunded
        FROM reservations AS r
        INNER JOIN reservation_segments AS s ON r.reservation_id = s.reservation_id AND s.segment_no = 1
        INNER JOIN trips AS t ON s.trip_id = t.trip_id
        WHERE r.facts_pending = 1 AND r.reservation_id > v_from AND r.reservation_id <= v_to
        ON DUPLICATE KEY UPDATE
            status = VALUES (status),
            total_amount = VALUES (total_amount),
            first_departs_at = VALUES (first_departs_at),
            lead_days = VALUES (lead_days),
            paid = VALUES (paid),
            refunded = VALUES (refunded);

        -- Payments and refunds are append-only: add the new ones; a refund flips the
        -- reservation's payment rows to refunded_later.
        INSERT INTO money_facts (
            created_at, kind, money_id, segment_no, reservation_id, currency, amount, segment_share,
            first_mode, mode, origin_station_id, destination_station_id, method, refunded_later
        )
        SELECT
            m.created_at,
            m.kind,
            m.money_id,
            s.segment_no,
            m.reservation_id,
            m.currency,
            m.amount,
            CASE
                WHEN r.total_amount > 0 THEN ROUND(m.amount * s.unit_price * s.seats / r.total_amount, 2) ELSE 0
            END AS segment_share,
            ft.mode AS first_mode,
            t.mode,
            t.origin_station_id,
            t.destination_station_id,
            m.method,
            m.kind = 'payment' AND EXISTS (
                SELECT 1 FROM refunds AS ref
                WHERE ref.reservation_id = m.reservation_id
            ) AS refunded_later
        FROM (
            SELECT
                created_at,
                'payment' AS kind,
                payment_id AS money_id,
                reservation_id,
                currency,
                amount,
                method
            FROM payments
            WHERE reservation_id > v_from AND reservation_id <= v_to
            UNION ALL
            SELECT
                created_at,
                'refund' AS kind,
                refund_id AS money_id,
                reservation_id,
                currency,
                amount,
                NULL AS method
            FROM refunds
            WHERE reservation_id > v_from AND reservation_id <= v_to
        ) AS m
        INNER JOIN reservations AS r ON m.reservation_id = r.reservation_id
        INNER JOIN reservation_segments AS s ON m.reservation_id = s.reservation_id
        INNER JOIN trips AS t ON s.trip_id = t.trip_id
        INNER JOIN reservation_segments AS fs ON m.reservation_id = fs.reservation_id AND fs.segment_no = 1
        INNER JOIN trips AS ft ON fs.trip_id = ft.trip_id
        WHERE r.facts_pending = 1
        ON DUPLICATE KEY UPDATE refunded_later = VALUES (refunded_later);

        -- A login may have written the user's day first, later in the day than the booking.
        INSERT INTO user_activity_days (day, user_id, created_at)
        SELECT
            DATE(created_at) AS day,
            user_id,
            MIN(created_at) AS created_at
        FROM reservations
        WHERE facts_pending = 1 AND reservation_id > v_from AND reservation_id <= v_to
        GROUP BY DATE(created_at), user_id
        ON DUPLICATE KEY UPDATE created_at = LEAST(created_at, VALUES (created_at));

        -- Exactly the reservations locked above; updated_at = updated_at: folding is not a change
        -- of the reservation.
        UPDATE reservations
        SET facts_pending = NULL, updated_at = updated_at
        WHERE
            facts_pending = 1 AND reservation_id > v_from AND reservation_id <= v_to
            AND reservation_id IN (
                SELECT done.reservation_id
                FROM JSON_TABLE(v_done, '$[*]' COLUMNS (reservation_id BIGINT UNSIGNED PATH '$')) AS done
            );
    END IF;

    -- Guarded by the cursor read above: a batch of another node that moved it first wrote this
    -- row too, so certification lets only one of the two commit.
    UPDATE reporting_folds
    SET
        cursor_id = IF(p_pass >= 2, 0, v_to),
        pass_started_at = IF(p_pass >= 2, NULL, v_pass_started),
        folded_until = IF(p_pass >= 2, v_pass_started, folded_until),
        passes = passes + (p_pass >= 2),
        batches = batches + 1,
        reservations_folded = reservations_folded + p_folded
    WHERE job = 'reporting_facts' AND cursor_id = v_from;
    IF ROW_COUNT() = 0 THEN
        CALL raise_error(50004, 'another fold batch moved the cursor first');
    END IF;
    COMMIT;
END$$

DELIMITER ;
