-- fold_reporting_facts: one batch of the reporting fold (schema/V0030): writes booking_facts,
-- money_facts and user_activity_days for the next p_batch_size pending reservations after the
-- pass's cursor, in one transaction, from the base tables as they are now. A pass walks every
-- pending reservation once in key order; when a batch reaches the last one, the pass is done and
-- its start becomes the watermark (reporting_folds.folded_until): every change committed before
-- it is in the reporting tables. Held reservations stay pending (their end marks nothing);
-- others are cleared (their one later change, a cancellation with a refund, is written by the
-- refund triggers of V0030).
-- The reservations it clears are added to the roll-ups customer_months and money_days (V0040),
-- which the first batches of this version build from the facts (reporting_folds.rollup_users_to);
-- a later refund adds itself to customer_months (trigger add_refund_to_customer_month).
-- They are added to the day roll-ups booking_days, route_days and payment_method_days (V0050)
-- too, which the first batches of that version build a month of days at a time
-- (reporting_folds.rollup_days_to); nothing a cancellation or a purge changes is in them.
-- p_folded: reservations written; p_pass: 1 = this batch began a pass, 2 = it ended one, 3 both;
-- plus 4 while the roll-ups are still being built after it.
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
-- clears, 8 money facts a reservation (4 segments x payment and refund) and up to 500 roll-up
-- rows of each kind: ~6,500 rows (and up to ~500 rows of each day roll-up). A building batch
-- adds up to ~10,000 customer_months rows (and money_days, once: a row per day, currency and
-- mode), and 31 days of the day roll-ups (~220 rows a day on the generated million).
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
    DECLARE v_pending LONGTEXT;
    DECLARE v_done LONGTEXT;
    DECLARE v_paid LONGTEXT DEFAULT '[]';  -- the cleared reservations with a payment
    DECLARE v_keys LONGTEXT;  -- v_done's keys written out for IN (...)
    DECLARE v_users_to BIGINT UNSIGNED;
    DECLARE v_last_user BIGINT UNSIGNED;
    DECLARE v_days_to DATE;
    DECLARE v_build_from DATE;
    DECLARE v_build_to DATE;
    DECLARE EXIT HANDLER FOR SQLEXCEPTION
    BEGIN
        ROLLBACK;
        RESIGNAL;
    END;

    -- v_pending and v_done are built with JSON_ARRAYAGG, which the caller's group_concat_max_len could cut short.
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
        COALESCE(pass_started_at, v_now) AS pass_started_at,
        rollup_users_to,
        rollup_days_to
    INTO v_from, v_pass_started, v_users_to, v_days_to
    FROM reporting_folds
    WHERE job = 'reporting_facts'
    FOR UPDATE;
    IF v_from = 0 THEN
        SET p_pass = 1;
    END IF;
    -- The batch ends at the p_batch_size-th pending reservation after the cursor, or at the last.
    -- The pending ones are read through their index, named (FORCE INDEX): the marks just cleared
    -- stay in it, delete-marked, until InnoDB purges them, and the optimizer, counting them,
    -- read the whole key range instead (a pass's first batch: every reservation).
    SELECT reservation_id INTO v_to FROM reservations FORCE INDEX (idx_reservations_facts_pending)
    WHERE facts_pending = 1 AND reservation_id > v_from
    ORDER BY reservation_id
    LIMIT v_last, 1;
    IF v_to IS NULL THEN
        SET p_pass = p_pass + 2;
        SELECT COALESCE(MAX(reservation_id), v_from) INTO v_to
        FROM reservations FORCE INDEX (idx_reservations_facts_pending)
        WHERE facts_pending = 1 AND reservation_id > v_from;
    END IF;
    SELECT
        COUNT(*) AS folded,
        COALESCE(JSON_ARRAYAGG(reservation_id), '[]') AS pending
    INTO p_folded, v_pending
    FROM reservations FORCE INDEX (idx_reservations_facts_pending)
    WHERE facts_pending = 1 AND reservation_id > v_from AND reservation_id <= v_to;

    IF p_folded > 0 THEN
        -- Lock the batch's reservations that have left held, so none changes (a cancellation)
        -- before this commits, and keep their keys: only these are cleared below. Found first
        -- with a plain read, then locked by key: a locking read of the pending range would also
        -- lock the held reservations it passes over (through idx_reservations_facts_pending,
        -- until the end of the batch), and a payment would wait for the fold. Held ones are not
        -- locked: they stay pending and the next pass sees how they ended. The keys are written
        -- into the statement (PREPARE), as in the clearing below: joined to a JSON_TABLE of
        -- them, a small table was read whole through a join buffer, every row locked till the
        -- end of the batch (held ones too: a payment waited for the fold).
        SELECT COALESCE(JSON_ARRAYAGG(reservation_id), '[]') INTO v_done
        FROM reservations FORCE INDEX (idx_reservations_facts_pending)
        WHERE facts_pending = 1 AND reservation_id > v_from AND reservation_id <= v_to AND status <> 'held';
        IF v_done <> '[]' THEN
            SET v_keys = TRIM(LEADING '[' FROM TRIM(TRAILING ']' FROM v_done));
            SET @fold_lock = CONCAT(
                'SELECT COALESCE(JSON_ARRAYAGG(reservation_id), ''[]'') INTO @fold_done',
                ' FROM reservations FORCE INDEX (PRIMARY) WHERE reservation_id IN (', v_keys, ')',
                ' AND facts_pending = 1 AND status <> ''held'' FOR UPDATE'
            );
            PREPARE fold_lock FROM @fold_lock;
            EXECUTE fold_lock;
            DEALLOCATE PREPARE fold_lock;
            SET v_done = @fold_done, @fold_lock = NULL, @fold_done = NULL;
        END IF;
        INSERT INTO booking_facts (
            created_at, reservation_id, user_id, status, currency, total_amount, first_departs_at, lead_days,
            mode, origin_station_id, destination_station_id, passengers, paid, refunded
        )
        SELECT STRAIGHT_JOIN
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
        FROM reservations AS r FORCE INDEX (idx_reservations_facts_pending)
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
        -- reservation's payment rows to refunded_later. Those of the batch's pending
        -- reservations, found by key (v_pending): a key range read every payment below the
        -- batch's last reservation, as a pass's first batch starts at 0 (0.7 s a pass on
        -- 270,000 reservations, every 10 s, growing).
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
                pay.created_at,
                'payment' AS kind,
                pay.payment_id AS money_id,
                pay.reservation_id,
                pay.currency,
                pay.amount,
                pay.method
            FROM JSON_TABLE(v_pending, '$[*]' COLUMNS (reservation_id BIGINT UNSIGNED PATH '$')) AS pending
            INNER JOIN payments AS pay ON pending.reservation_id = pay.reservation_id
            UNION ALL
            SELECT
                ref.created_at,
                'refund' AS kind,
                ref.refund_id AS money_id,
                ref.reservation_id,
                ref.currency,
                ref.amount,
                NULL AS method
            FROM JSON_TABLE(v_pending, '$[*]' COLUMNS (reservation_id BIGINT UNSIGNED PATH '$')) AS pending
            INNER JOIN refunds AS ref ON pending.reservation_id = ref.reservation_id
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
        FROM reservations FORCE INDEX (idx_reservations_facts_pending)
        WHERE facts_pending = 1 AND reservation_id > v_from AND reservation_id <= v_to
        GROUP BY DATE(created_at), user_id
        ON DUPLICATE KEY UPDATE created_at = LEAST(created_at, VALUES (created_at));

        -- Exactly the reservations locked above; updated_at = updated_at: folding is not a change
        -- of the reservation. By their keys written into the statement, as the locking read
        -- above: a single-table statement by a list of keys reads those rows only, whatever the
        -- table's size (joined to the JSON_TABLE, it read and locked held ones too; as
        -- IN (SELECT ... FROM JSON_TABLE), MariaDB 10.11 made no semi-join and read the whole
        -- list again for every pending row: a third of the fold's time). The keys are BIGINT
        -- values from JSON_ARRAYAGG: nothing else gets into the statement.
        IF v_done <> '[]' THEN
            SET v_keys = TRIM(LEADING '[' FROM TRIM(TRAILING ']' FROM v_done));
            SET @fold_clear = CONCAT(
                'UPDATE reservations FORCE INDEX (PRIMARY) SET facts_pending = NULL, updated_at = updated_at',
                ' WHERE facts_pending = 1 AND reservation_id IN (', v_keys, ')'
            );
            PREPARE fold_clear FROM @fold_clear;
            EXECUTE fold_clear;
            DEALLOCATE PREPARE fold_clear;
            SET @fold_clear = NULL;
        END IF;

        -- The roll-ups (V0040) gain the reservations just cleared: what they hold of one is final
        -- now (a payment only ever comes before a reservation leaves held; a later refund adds
        -- itself). money_days once it is built (by the first building batch, below);
        -- customer_months for the customers built. All five hold paid reservations only: the
        -- cleared ones with a payment (v_paid; none in a batch of expired holds, whose five
        -- statements are skipped: they lifted booking p99 while expiry cleared 100,000 holds).
        SELECT COALESCE(JSON_ARRAYAGG(done.reservation_id), '[]') INTO v_paid
        FROM JSON_TABLE(v_done, '$[*]' COLUMNS (reservation_id BIGINT UNSIGNED PATH '$')) AS done
        WHERE EXISTS (
            SELECT 1 FROM payments AS pay
            WHERE pay.reservation_id = done.reservation_id
        );
    END IF;
    IF v_paid <> '[]' THEN
        IF v_users_to IS NULL OR v_users_to > 0 THEN
            INSERT INTO money_days (day, currency, first_mode, payments, gross)
            SELECT
                DATE(mf.created_at) AS day,
                mf.currency,
                mf.first_mode,
                COUNT(*) AS payments,
                SUM(mf.amount) AS gross
            FROM JSON_TABLE(v_paid, '$[*]' COLUMNS (reservation_id BIGINT UNSIGNED PATH '$')) AS done
            INNER JOIN money_facts AS mf ON done.reservation_id = mf.reservation_id
            WHERE mf.kind = 'payment' AND mf.segment_no = 1
            GROUP BY DATE(mf.created_at), mf.currency, mf.first_mode
            ON DUPLICATE KEY UPDATE
                payments = payments + VALUES (payments),
                gross = gross + VALUES (gross);
        END IF;
        INSERT INTO customer_months (user_id, currency, month, reservations, passengers, paid, refunded)
        SELECT
            bf.user_id,
            bf.currency,
            DATE(bf.created_at) - INTERVAL (DAYOFMONTH(bf.created_at) - 1) DAY AS month,
            COUNT(*) AS reservations,
            SUM(bf.passengers) AS passengers,
            SUM(bf.paid) AS paid,
            SUM(bf.refunded) AS refunded
        FROM JSON_TABLE(v_paid, '$[*]' COLUMNS (reservation_id BIGINT UNSIGNED PATH '$')) AS done
        INNER JOIN booking_facts AS bf ON done.reservation_id = bf.reservation_id
        WHERE bf.paid > 0 AND (v_users_to IS NULL OR bf.user_id <= v_users_to)
        GROUP BY bf.user_id, bf.currency, DATE(bf.created_at) - INTERVAL (DAYOFMONTH(bf.created_at) - 1) DAY
        ON DUPLICATE KEY UPDATE
            reservations = reservations + VALUES (reservations),
            passengers = passengers + VALUES (passengers),
            paid = paid + VALUES (paid),
            refunded = refunded + VALUES (refunded);
        -- The day roll-ups (V0050), for the days built so far (all once rollup_days_to is NULL).
        INSERT INTO booking_days (day, currency, mode, lead_bucket, reservations, paid)
        SELECT
            DATE(bf.created_at) AS day,
            bf.currency,
            bf.mode,
            INTERVAL(bf.lead_days, 1, 2, 4, 8, 15, 31, 61) AS lead_bucket,
            COUNT(*) AS reservations,
            SUM(bf.paid) AS paid
        FROM JSON_TABLE(v_paid, '$[*]' COLUMNS (reservation_id BIGINT UNSIGNED PATH '$')) AS done
        INNER JOIN booking_facts AS bf ON done.reservation_id = bf.reservation_id
        WHERE bf.paid > 0 AND (v_days_to IS NULL OR bf.created_at < v_days_to)
        GROUP BY DATE(bf.created_at), bf.currency, bf.mode, lead_bucket
        ON DUPLICATE KEY UPDATE
            reservations = reservations + VALUES (reservations),
            paid = paid + VALUES (paid);
        INSERT INTO route_days (day, currency, origin_station_id, destination_station_id, mode, gross)
        SELECT
            DATE(mf.created_at) AS day,
            mf.currency,
            mf.origin_station_id,
            mf.destination_station_id,
            mf.mode,
            SUM(mf.segment_share) AS gross
        FROM JSON_TABLE(v_paid, '$[*]' COLUMNS (reservation_id BIGINT UNSIGNED PATH '$')) AS done
        INNER JOIN money_facts AS mf ON done.reservation_id = mf.reservation_id
        WHERE mf.kind = 'payment' AND (v_days_to IS NULL OR mf.created_at < v_days_to)
        GROUP BY DATE(mf.created_at), mf.currency, mf.origin_station_id, mf.destination_station_id, mf.mode
        ON DUPLICATE KEY UPDATE gross = gross + VALUES (gross);
        INSERT INTO payment_method_days (day, currency, method, payments, amount)
        SELECT
            DATE(mf.created_at) AS day,
            mf.currency,
            mf.method,
            COUNT(*) AS payments,
            SUM(mf.amount) AS amount
        FROM JSON_TABLE(v_paid, '$[*]' COLUMNS (reservation_id BIGINT UNSIGNED PATH '$')) AS done
        INNER JOIN money_facts AS mf ON done.reservation_id = mf.reservation_id
        WHERE mf.kind = 'payment' AND mf.segment_no = 1 AND (v_days_to IS NULL OR mf.created_at < v_days_to)
        GROUP BY DATE(mf.created_at), mf.currency, mf.method
        ON DUPLICATE KEY UPDATE
            payments = payments + VALUES (payments),
            amount = amount + VALUES (amount);
    END IF;

    -- Building the roll-ups (V0040 leaves them empty; setting rollup_users_to to 0 rebuilds
    -- them): from the facts of every reservation cleared so far (this batch's too), money_days
    -- at once, customer_months 1,000 user ids a batch (at most ~10,000 rows). Batches run one at
    -- a time, so nothing is cleared meanwhile.
    IF v_users_to IS NOT NULL THEN
        IF v_users_to = 0 THEN
            DELETE FROM money_days;
            INSERT INTO money_days (day, currency, first_mode, payments, gross)
            SELECT
                DATE(mf.created_at) AS day,
                mf.currency,
                mf.first_mode,
                COUNT(*) AS payments,
                SUM(mf.amount) AS gross
            FROM money_facts AS mf
            INNER JOIN reservations AS r ON mf.reservation_id = r.reservation_id
            WHERE mf.kind = 'payment' AND mf.segment_no = 1 AND r.facts_pending IS NULL
            GROUP BY DATE(mf.created_at), mf.currency, mf.first_mode;
        END IF;
        -- Empty unless rebuilding (rollup_users_to set back to 0 by hand).
        DELETE FROM customer_months
        WHERE user_id > v_users_to AND user_id <= v_users_to + 1000;
        INSERT INTO customer_months (user_id, currency, month, reservations, passengers, paid, refunded)
        SELECT
            bf.user_id,
            bf.currency,
            DATE(bf.created_at) - INTERVAL (DAYOFMONTH(bf.created_at) - 1) DAY AS month,
            COUNT(*) AS reservations,
            SUM(bf.passengers) AS passengers,
            SUM(bf.paid) AS paid,
            SUM(bf.refunded) AS refunded
        FROM reservations AS r
        INNER JOIN booking_facts AS bf ON r.reservation_id = bf.reservation_id
        WHERE
            r.user_id > v_users_to AND r.user_id <= v_users_to + 1000
            AND r.facts_pending IS NULL AND bf.paid > 0
        GROUP BY bf.user_id, bf.currency, DATE(bf.created_at) - INTERVAL (DAYOFMONTH(bf.created_at) - 1) DAY
        -- A refund committing meanwhile finds no row to add to (add_refund_to_customer_month):
        -- wait for it, and read it, rather than miss it. On Galera this lock is node-local and a
        -- refund on another node during the build writes no common row: it can be missed there
        -- (integrity_violations names the month; rollup_users_to = 0 rebuilds).
        LOCK IN SHARE MODE;
        SELECT COALESCE(MAX(user_id), 0) INTO v_last_user FROM users;
        SET v_users_to = IF(v_users_to + 1000 >= v_last_user, NULL, v_users_to + 1000);
    END IF;

    -- Building the day roll-ups (V0050 leaves them empty at '1000-01-01'; setting
    -- rollup_days_to back to that rebuilds them): from the facts of every reservation cleared so
    -- far (this batch's too), 31 days a batch from the first day at or after the cursor that has
    -- a booking or a payment (empty stretches are skipped), at most ~10,000 rows. A cleared
    -- reservation's paid facts never change, and only fold batches (one at a time) clear one, so
    -- the build needs no lock. Done (NULL) once no fact is left at or after the cursor.
    IF v_days_to IS NOT NULL THEN
        SELECT COALESCE(DATE(MIN(created_at)), '9999-12-31') INTO v_build_from FROM booking_facts
        WHERE created_at >= v_days_to;
        SELECT LEAST(v_build_from, COALESCE(DATE(MIN(created_at)), '9999-12-31')) INTO v_build_from FROM money_facts
        WHERE created_at >= v_days_to;
        IF v_build_from = '9999-12-31' THEN
            -- Rows past the last fact can only be left over from before a rebuild.
            DELETE FROM booking_days
            WHERE day >= v_days_to;
            DELETE FROM route_days
            WHERE day >= v_days_to;
            DELETE FROM payment_method_days
            WHERE day >= v_days_to;
            SET v_days_to = NULL;
        ELSE
            SET v_build_to = v_build_from + INTERVAL 31 DAY;
            -- Empty unless rebuilding.
            DELETE FROM booking_days
            WHERE day >= v_days_to AND day < v_build_to;
            DELETE FROM route_days
            WHERE day >= v_days_to AND day < v_build_to;
            DELETE FROM payment_method_days
            WHERE day >= v_days_to AND day < v_build_to;
            INSERT INTO booking_days (day, currency, mode, lead_bucket, reservations, paid)
            SELECT
                DATE(bf.created_at) AS day,
                bf.currency,
                bf.mode,
                INTERVAL(bf.lead_days, 1, 2, 4, 8, 15, 31, 61) AS lead_bucket,
                COUNT(*) AS reservations,
                SUM(bf.paid) AS paid
            FROM booking_facts AS bf
            INNER JOIN reservations AS r ON bf.reservation_id = r.reservation_id
            WHERE
                bf.created_at >= v_days_to AND bf.created_at < v_build_to
                AND bf.paid > 0 AND r.facts_pending IS NULL
            GROUP BY DATE(bf.created_at), bf.currency, bf.mode, lead_bucket;
            INSERT INTO route_days (day, currency, origin_station_id, destination_station_id, mode, gross)
            SELECT
                DATE(mf.created_at) AS day,
                mf.currency,
                mf.origin_station_id,
                mf.destination_station_id,
                mf.mode,
                SUM(mf.segment_share) AS gross
            FROM money_facts AS mf
            INNER JOIN reservations AS r ON mf.reservation_id = r.reservation_id
            WHERE
                mf.created_at >= v_days_to AND mf.created_at < v_build_to
                AND mf.kind = 'payment' AND r.facts_pending IS NULL
            GROUP BY DATE(mf.created_at), mf.currency, mf.origin_station_id, mf.destination_station_id, mf.mode;
            INSERT INTO payment_method_days (day, currency, method, payments, amount)
            SELECT
                DATE(mf.created_at) AS day,
                mf.currency,
                mf.method,
                COUNT(*) AS payments,
                SUM(mf.amount) AS amount
            FROM money_facts AS mf
            INNER JOIN reservations AS r ON mf.reservation_id = r.reservation_id
            WHERE
                mf.created_at >= v_days_to AND mf.created_at < v_build_to
                AND mf.kind = 'payment' AND mf.segment_no = 1 AND r.facts_pending IS NULL
            GROUP BY DATE(mf.created_at), mf.currency, mf.method;
            SET v_days_to = v_build_to;
        END IF;
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
        reservations_folded = reservations_folded + p_folded,
        rollup_users_to = v_users_to,
        rollup_days_to = v_days_to
    WHERE job = 'reporting_facts' AND cursor_id = v_from;
    IF ROW_COUNT() = 0 THEN
        CALL raise_error(50004, 'another fold batch moved the cursor first');
    END IF;
    SET p_pass = p_pass + 4 * (v_users_to IS NOT NULL OR v_days_to IS NOT NULL);
    COMMIT;
END$$

DELIMITER ;
