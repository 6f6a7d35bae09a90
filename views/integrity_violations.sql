-- One row per broken invariant anywhere in the schema; must always be empty.
-- Columns: violation (kind), table_name, object_id (key of the offending row), detail.
-- The reporting tables are written by a fold (schema/V0030), not in the booking transactions:
-- a reservation still pending (facts_pending = 1) may be missing from them or out of date; every
-- other one, and its payments and refunds, must match the base tables exactly (a refund, which
-- cancels a reservation the fold has left, is written by its own triggers). A pass of the
-- fold visits every pending reservation, so after it nothing committed before its start
-- (reporting_freshness.folded_until) is missing: exact up to the watermark. The roll-ups
-- customer_months and money_days (V0040) must equal the sums of the facts of the reservations
-- the fold has cleared; so must the day roll-ups booking_days, route_days and
-- payment_method_days (V0050), on the days built so far (reporting_folds.rollup_days_to).
-- requires: reservation_facts
CREATE OR REPLACE SQL SECURITY INVOKER VIEW integrity_violations AS
WITH held_seats AS (
    SELECT
        s.trip_id,
        s.fare_class_id,
        SUM(s.seats) AS seats
    FROM reservation_segments AS s
    INNER JOIN reservations AS r ON s.reservation_id = r.reservation_id
    WHERE r.status = 'held'
    GROUP BY s.trip_id, s.fare_class_id
),

sold_seats AS (
    SELECT
        s.trip_id,
        s.fare_class_id,
        COUNT(*) AS seats
    FROM tickets AS t
    INNER JOIN reservation_segments AS s
        ON t.reservation_id = s.reservation_id AND t.trip_id = s.trip_id
    WHERE t.status = 'active'
    GROUP BY s.trip_id, s.fare_class_id
),

fare_counts AS (
    SELECT
        f.trip_id,
        f.fare_class_id,
        f.capacity,
        f.seats_held,
        f.seats_sold,
        f.seats_issued,
        COALESCE(h.seats, 0) AS live_held,
        COALESCE(s.seats, 0) AS live_sold
    FROM trip_fares AS f
    LEFT JOIN held_seats AS h ON f.trip_id = h.trip_id AND f.fare_class_id = h.fare_class_id
    LEFT JOIN sold_seats AS s ON f.trip_id = s.trip_id AND f.fare_class_id = s.fare_class_id
),

reservation_money AS (
    SELECT
        r.reservation_id,
        r.status,
        r.total_amount,
        r.currency,
        (
            SELECT COALESCE(SUM(pay.amount), 0) FROM payments AS pay
            WHERE pay.reservation_id = r.reservation_id
        ) AS paid,
        (
            SELECT COUNT(*) FROM payments AS pay
            WHERE pay.reservation_id = r.reservation_id AND pay.currency <> r.currency
        ) AS foreign_payments,
        (
            SELECT COALESCE(SUM(ref.amount), 0) FROM refunds AS ref
            WHERE ref.reservation_id = r.reservation_id
        ) AS refunded,
        (
            SELECT COALESCE(SUM(s.unit_price), 0) FROM reservation_segments AS s
            WHERE s.reservation_id = r.reservation_id
        ) AS segment_price,
        (
            SELECT COUNT(*) FROM reservation_segments AS s
            WHERE s.reservation_id = r.reservation_id
        ) AS segments,
        (
            SELECT COALESCE(SUM(s.seats), 0) FROM reservation_segments AS s
            WHERE s.reservation_id = r.reservation_id
        ) AS segment_seats,
        (
            SELECT COUNT(*) FROM reservation_segments AS s
            WHERE
                s.reservation_id = r.reservation_id
                AND (
                    (r.status = 'held' AND (s.held_until IS NULL OR s.held_until <> r.expires_at))
                    OR (r.status <> 'held' AND s.held_until IS NOT NULL)
                )
        ) AS stale_holds,
        (
            SELECT COUNT(*) FROM passengers AS p
            WHERE p.reservation_id = r.reservation_id
        ) AS passengers,
        (
            SELECT COUNT(*) FROM tickets AS t
            WHERE t.reservation_id = r.reservation_id AND t.status = 'active'
        ) AS active_tickets
    FROM reservations AS r
),

money_movements AS (
    SELECT
        1 AS kind_no,  -- a number: MariaDB refuses string literals from this UNION in a view (1271)
        pay.payment_id AS money_id,
        pay.reservation_id,
        pay.amount,
        pay.created_at,
        (
            SELECT COUNT(*) FROM reservation_segments AS s
            WHERE s.reservation_id = pay.reservation_id
        ) AS segments,
        (
            SELECT COUNT(*) > 0 FROM refunds AS ref
            WHERE ref.reservation_id = pay.reservation_id
        ) AS refunded_later
    FROM payments AS pay
    UNION ALL
    SELECT
        2 AS kind_no,
        ref.refund_id AS money_id,
        ref.reservation_id,
        ref.amount,
        ref.created_at,
        (
            SELECT COUNT(*) FROM reservation_segments AS s
            WHERE s.reservation_id = ref.reservation_id
        ) AS segments,
        0 AS refunded_later
    FROM refunds AS ref
),

folded_money AS (
    SELECT
        m.kind_no,
        m.money_id,
        m.amount,
        m.created_at,
        m.segments,
        m.refunded_later
    FROM money_movements AS m
    INNER JOIN reservations AS r ON m.reservation_id = r.reservation_id
    WHERE r.facts_pending IS NULL
),

money_fact_totals AS (
    SELECT
        kind,
        IF(kind = 'payment', 1, 2) AS kind_no,
        money_id,
        COUNT(*) AS facts,
        MIN(amount) AS min_amount,
        MAX(amount) AS max_amount,
        MIN(created_at) AS first_at,
        MAX(created_at) AS last_at,
        MIN(refunded_later) AS refunded_later
    FROM money_facts
    GROUP BY kind, money_id
),

-- The roll-ups (V0040) hold exactly the facts of the reservations the fold has cleared:
-- customer_months those of the customers built so far (reporting_folds.rollup_users_to, NULL:
-- all), money_days every payment once built (rollup_users_to is no longer 0).
rollup_progress AS (
    SELECT
        COALESCE(rollup_users_to, 18446744073709551615) AS users_to,
        rollup_users_to IS NULL OR rollup_users_to > 0 AS money_built
    FROM reporting_folds
    WHERE job = 'reporting_facts'
),

customer_month_sides AS (
    SELECT
        bf.user_id,
        bf.currency,
        DATE(bf.created_at) - INTERVAL (DAYOFMONTH(bf.created_at) - 1) DAY AS month,
        1 AS expected_reservations,
        bf.passengers AS expected_passengers,
        bf.paid AS expected_paid,
        bf.refunded AS expected_refunded,
        0 AS found_reservations,
        0 AS found_passengers,
        0 AS found_paid,
        0 AS found_refunded
    FROM booking_facts AS bf
    INNER JOIN reservations AS r ON bf.reservation_id = r.reservation_id
    INNER JOIN rollup_progress AS p ON bf.user_id <= p.users_to
    WHERE r.facts_pending IS NULL AND bf.paid > 0
    UNION ALL
    SELECT
        user_id,
        currency,
        month,
        0 AS expected_reservations,
        0 AS expected_passengers,
        0 AS expected_paid,
        0 AS expected_refunded,
        reservations AS found_reservations,
        passengers AS found_passengers,
        paid AS found_paid,
        refunded AS found_refunded
    FROM customer_months
),

customer_month_check AS (
    SELECT
        user_id,
        currency,
        month,
        SUM(expected_reservations) AS expected_reservations,
        SUM(expected_passengers) AS expected_passengers,
        SUM(expected_paid) AS expected_paid,
        SUM(expected_refunded) AS expected_refunded,
        SUM(found_reservations) AS found_reservations,
        SUM(found_passengers) AS found_passengers,
        SUM(found_paid) AS found_paid,
        SUM(found_refunded) AS found_refunded
    FROM customer_month_sides
    GROUP BY user_id, currency, month
),

money_day_sides AS (
    SELECT
        DATE(mf.created_at) AS day,
        mf.currency,
        mf.first_mode,
        1 AS expected_payments,
        mf.amount AS expected_gross,
        0 AS found_payments,
        0 AS found_gross
    FROM money_facts AS mf
    INNER JOIN reservations AS r ON mf.reservation_id = r.reservation_id
    INNER JOIN rollup_progress AS p ON p.money_built
    WHERE mf.kind = 'payment' AND mf.segment_no = 1 AND r.facts_pending IS NULL
    UNION ALL
    SELECT
        day,
        currency,
        first_mode,
        0 AS expected_payments,
        0 AS expected_gross,
        payments AS found_payments,
        gross AS found_gross
    FROM money_days
),

money_day_check AS (
    SELECT
        day,
        currency,
        first_mode,
        SUM(expected_payments) AS expected_payments,
        SUM(expected_gross) AS expected_gross,
        SUM(found_payments) AS found_payments,
        SUM(found_gross) AS found_gross
    FROM money_day_sides
    GROUP BY day, currency, first_mode
),

-- The day roll-ups (V0050): paid booking facts and payment money facts of the cleared
-- reservations, per day, on the days before reporting_folds.rollup_days_to (NULL: every day).
day_rollup_progress AS (
    SELECT COALESCE(rollup_days_to, '9999-12-31') AS days_to
    FROM reporting_folds
    WHERE job = 'reporting_facts'
),

booking_day_sides AS (
    SELECT
        DATE(bf.created_at) AS day,
        bf.currency,
        bf.mode,
        INTERVAL(bf.lead_days, 1, 2, 4, 8, 15, 31, 61) AS lead_bucket,
        1 AS expected_reservations,
        bf.paid AS expected_paid,
        0 AS found_reservations,
        0 AS found_paid
    FROM booking_facts AS bf
    INNER JOIN reservations AS r ON bf.reservation_id = r.reservation_id
    INNER JOIN day_rollup_progress AS p ON bf.created_at < p.days_to
    WHERE r.facts_pending IS NULL AND bf.paid > 0
    UNION ALL
    SELECT
        bd.day,
        bd.currency,
        bd.mode,
        bd.lead_bucket,
        0 AS expected_reservations,
        0 AS expected_paid,
        bd.reservations AS found_reservations,
        bd.paid AS found_paid
    FROM booking_days AS bd
    INNER JOIN day_rollup_progress AS p ON bd.day < p.days_to
),

booking_day_check AS (
    SELECT
        day,
        currency,
        mode,
        lead_bucket,
        SUM(expected_reservations) AS expected_reservations,
        SUM(expected_paid) AS expected_paid,
        SUM(found_reservations) AS found_reservations,
        SUM(found_paid) AS found_paid
    FROM booking_day_sides
    GROUP BY day, currency, mode, lead_bucket
),

payment_day_sides AS (
    SELECT
        DATE(mf.created_at) AS day,
        mf.currency,
        mf.segment_no,
        mf.origin_station_id,
        mf.destination_station_id,
        mf.mode,
        mf.method,
        mf.amount,
        mf.segment_share
    FROM money_facts AS mf
    INNER JOIN reservations AS r ON mf.reservation_id = r.reservation_id
    INNER JOIN day_rollup_progress AS p ON mf.created_at < p.days_to
    WHERE mf.kind = 'payment' AND r.facts_pending IS NULL
),

route_day_sides AS (
    SELECT
        day,
        currency,
        origin_station_id,
        destination_station_id,
        mode,
        1 AS expected_rows,
        segment_share AS expected_gross,
        0 AS found_rows,
        0 AS found_gross
    FROM payment_day_sides
    UNION ALL
    SELECT
        rd.day,
        rd.currency,
        rd.origin_station_id,
        rd.destination_station_id,
        rd.mode,
        0 AS expected_rows,
        0 AS expected_gross,
        1 AS found_rows,
        rd.gross AS found_gross
    FROM route_days AS rd
    INNER JOIN day_rollup_progress AS p ON rd.day < p.days_to
),

route_day_check AS (
    SELECT
        day,
        currency,
        origin_station_id,
        destination_station_id,
        mode,
        SUM(expected_rows) AS expected_rows,
        SUM(expected_gross) AS expected_gross,
        SUM(found_rows) AS found_rows,
        SUM(found_gross) AS found_gross
    FROM route_day_sides
    GROUP BY day, currency, origin_station_id, destination_station_id, mode
),

method_day_sides AS (
    SELECT
        day,
        currency,
        method,
        1 AS expected_payments,
        amount AS expected_amount,
        0 AS found_payments,
        0 AS found_amount
    FROM payment_day_sides
    WHERE segment_no = 1
    UNION ALL
    SELECT
        md.day,
        md.currency,
        md.method,
        0 AS expected_payments,
        0 AS expected_amount,
        md.payments AS found_payments,
        md.amount AS found_amount
    FROM payment_method_days AS md
    INNER JOIN day_rollup_progress AS p ON md.day < p.days_to
),

method_day_check AS (
    SELECT
        day,
        currency,
        method,
        SUM(expected_payments) AS expected_payments,
        SUM(expected_amount) AS expected_amount,
        SUM(found_payments) AS found_payments,
        SUM(found_amount) AS found_amount
    FROM method_day_sides
    GROUP BY day, currency, method
),

violations AS (
    SELECT
        'held counter differs from live holds' AS violation,
        'trip_fares' AS table_name,
        CONCAT(trip_id, '/', fare_class_id) AS object_id,
        CONCAT('seats_held=', seats_held, ' live=', live_held) AS detail
    FROM fare_counts
    WHERE seats_held <> live_held
    UNION ALL
    SELECT
        'sold counter differs from active tickets' AS violation,
        'trip_fares' AS table_name,
        CONCAT(trip_id, '/', fare_class_id) AS object_id,
        CONCAT('seats_sold=', seats_sold, ' live=', live_sold) AS detail
    FROM fare_counts
    WHERE seats_sold <> live_sold
    UNION ALL
    SELECT
        'oversold fare' AS violation,
        'trip_fares' AS table_name,
        CONCAT(trip_id, '/', fare_class_id) AS object_id,
        CONCAT('held ', live_held, ' + sold ', live_sold, ' > capacity ', capacity) AS detail
    FROM fare_counts
    WHERE live_held + live_sold > capacity
    UNION ALL
    SELECT
        'seat numbers issued behind sales' AS violation,
        'trip_fares' AS table_name,
        CONCAT(trip_id, '/', fare_class_id) AS object_id,
        CONCAT('seats_issued=', seats_issued, ' < seats_sold=', seats_sold) AS detail
    FROM fare_counts
    WHERE seats_issued < seats_sold
    UNION ALL
    SELECT
        'segment of a fare the trip does not sell' AS violation,
        'reservation_segments' AS table_name,
        CONCAT(s.reservation_id, '/', s.segment_no) AS object_id,
        CONCAT('trip ', s.trip_id, ' fare class ', s.fare_class_id) AS detail
    FROM reservation_segments AS s
    LEFT JOIN trip_fares AS f ON s.trip_id = f.trip_id AND s.fare_class_id = f.fare_class_id
    WHERE f.trip_id IS NULL
    UNION ALL
    SELECT
        'active ticket on a reservation that is not confirmed' AS violation,
        'tickets' AS table_name,
        CAST(t.ticket_id AS CHAR) AS object_id,
        CONCAT('reservation ', r.reservation_id, ' is ', r.status) AS detail
    FROM tickets AS t
    INNER JOIN reservations AS r ON t.reservation_id = r.reservation_id
    WHERE t.status = 'active' AND r.status <> 'confirmed'
    UNION ALL
    SELECT
        'active ticket on a cancelled trip' AS violation,
        'tickets' AS table_name,
        CAST(t.ticket_id AS CHAR) AS object_id,
        CONCAT('trip ', tr.trip_id, ' is cancelled') AS detail
    FROM tickets AS t
    INNER JOIN trips AS tr ON t.trip_id = tr.trip_id
    WHERE t.status = 'active' AND tr.status = 'cancelled'
    UNION ALL
    SELECT
        'confirmed reservation whose payments differ from its total' AS violation,
        'reservations' AS table_name,
        CAST(reservation_id AS CHAR) AS object_id,
        CONCAT('paid ', paid, ' ', currency, ', total ', total_amount) AS detail
    FROM reservation_money
    WHERE status = 'confirmed' AND paid <> total_amount
    UNION ALL
    SELECT
        'confirmed reservation without one ticket per passenger and segment' AS violation,
        'reservations' AS table_name,
        CAST(reservation_id AS CHAR) AS object_id,
        CONCAT(active_tickets, ' active tickets for ', passengers, ' passengers x ', segments, ' segments') AS detail
    FROM reservation_money
    WHERE status = 'confirmed' AND active_tickets <> passengers * segments
    UNION ALL
    SELECT
        'payment taken for a reservation never confirmed' AS violation,
        'reservations' AS table_name,
        CAST(reservation_id AS CHAR) AS object_id,
        CONCAT(status, ' reservation has payments of ', paid) AS detail
    FROM reservation_money
    WHERE status IN ('held', 'expired') AND paid > 0
    UNION ALL
    SELECT
        'refund exceeds payments' AS violation,
        'reservations' AS table_name,
        CAST(reservation_id AS CHAR) AS object_id,
        CONCAT('refunded ', refunded, ' of ', paid) AS detail
    FROM reservation_money
    WHERE refunded > paid
    UNION ALL
    SELECT
        'payment in another currency than the reservation' AS violation,
        'reservations' AS table_name,
        CAST(reservation_id AS CHAR) AS object_id,
        CONCAT(foreign_payments, ' payments not in ', currency) AS detail
    FROM reservation_money
    WHERE foreign_payments > 0
    UNION ALL
    SELECT
        'total differs from seat prices' AS violation,
        'reservations' AS table_name,
        CAST(reservation_id AS CHAR) AS object_id,
        CONCAT('total ', total_amount, ', seats ', segment_price * passengers) AS detail
    FROM reservation_money
    WHERE segments > 0 AND total_amount <> segment_price * passengers
    UNION ALL
    SELECT
        'reservation without segments or passengers' AS violation,
        'reservations' AS table_name,
        CAST(reservation_id AS CHAR) AS object_id,
        CONCAT(segments, ' segments, ', passengers, ' passengers') AS detail
    FROM reservation_money
    WHERE segments = 0 OR passengers = 0
    UNION ALL
    SELECT
        'segment seats differ from the passenger count' AS violation,
        'reservations' AS table_name,
        CAST(reservation_id AS CHAR) AS object_id,
        CONCAT(segment_seats, ' seats on ', segments, ' segments for ', passengers, ' passengers') AS detail
    FROM reservation_money
    WHERE segment_seats <> passengers * segments
    UNION ALL
    SELECT
        'segment hold out of step with the reservation' AS violation,
        'reservations' AS table_name,
        CAST(reservation_id AS CHAR) AS object_id,
        CONCAT(stale_holds, ' segments with a wrong held_until for a ', status, ' reservation') AS detail
    FROM reservation_money
    WHERE stale_holds > 0
    UNION ALL
    SELECT
        'trip without its mode row' AS violation,
        'trips' AS table_name,
        CAST(tr.trip_id AS CHAR) AS object_id,
        CONCAT('no ', tr.mode, ' row') AS detail
    FROM trips AS tr
    LEFT JOIN flights AS fl ON tr.trip_id = fl.trip_id
    LEFT JOIN trains AS tn ON tr.trip_id = tn.trip_id
    LEFT JOIN buses AS bu ON tr.trip_id = bu.trip_id
    WHERE
        (tr.mode = 'air' AND fl.trip_id IS NULL)
        OR (tr.mode = 'rail' AND tn.trip_id IS NULL)
        OR (tr.mode = 'bus' AND bu.trip_id IS NULL)
    UNION ALL
    SELECT
        'mode row of another mode' AS violation,
        'trips' AS table_name,
        CAST(tr.trip_id AS CHAR) AS object_id,
        CONCAT(tr.mode, ' trip has rows in ', CONCAT_WS(
            ',', IF(fl.trip_id IS NULL, NULL, 'flights'),
            IF(tn.trip_id IS NULL, NULL, 'trains'), IF(bu.trip_id IS NULL, NULL, 'buses')
        )) AS detail
    FROM trips AS tr
    LEFT JOIN flights AS fl ON tr.trip_id = fl.trip_id
    LEFT JOIN trains AS tn ON tr.trip_id = tn.trip_id
    LEFT JOIN buses AS bu ON tr.trip_id = bu.trip_id
    WHERE
        (fl.trip_id IS NOT NULL AND tr.mode <> 'air')
        OR (tn.trip_id IS NOT NULL AND tr.mode <> 'rail')
        OR (bu.trip_id IS NOT NULL AND tr.mode <> 'bus')
    UNION ALL
    SELECT
        'trip mode differs from its carrier''s' AS violation,
        'trips' AS table_name,
        CAST(tr.trip_id AS CHAR) AS object_id,
        CONCAT(tr.mode, ' trip run by ', c.mode, ' carrier ', c.code) AS detail
    FROM trips AS tr
    INNER JOIN carriers AS c ON tr.carrier_id = c.carrier_id
    WHERE tr.mode <> c.mode
    UNION ALL
    SELECT
        'booking fact differs from its reservation' AS violation,
        'booking_facts' AS table_name,
        CAST(rf.reservation_id AS CHAR) AS object_id,
        CONCAT('expected ', rf.status, ' ', rf.total_amount, ' paid ', rf.paid, ' refunded ', rf.refunded) AS detail
    FROM reservation_facts AS rf
    LEFT JOIN booking_facts AS bf ON rf.reservation_id = bf.reservation_id
    WHERE
        rf.facts_pending IS NULL
        AND (
            bf.reservation_id IS NULL
            OR NOT (
                bf.created_at <=> rf.created_at AND bf.user_id <=> rf.user_id AND bf.status <=> rf.status
                AND bf.currency <=> rf.currency AND bf.total_amount <=> rf.total_amount
                AND bf.first_departs_at <=> rf.first_departs_at AND bf.lead_days <=> rf.lead_days
                AND bf.mode <=> rf.mode AND bf.origin_station_id <=> rf.origin_station_id
                AND bf.destination_station_id <=> rf.destination_station_id AND bf.passengers <=> rf.passengers
                AND bf.paid <=> rf.paid AND bf.refunded <=> rf.refunded
            )
        )
    UNION ALL
    SELECT
        'booking fact without a reservation' AS violation,
        'booking_facts' AS table_name,
        CAST(bf.reservation_id AS CHAR) AS object_id,
        'the reservation was deleted but its reporting row was not' AS detail
    FROM booking_facts AS bf
    LEFT JOIN reservations AS r ON bf.reservation_id = r.reservation_id
    WHERE r.reservation_id IS NULL
    UNION ALL
    SELECT
        'money fact differs from its payment or refund' AS violation,
        'money_facts' AS table_name,
        CONCAT(ELT(m.kind_no, 'payment', 'refund'), ' ', m.money_id) AS object_id,
        CONCAT('expected ', m.segments, ' row(s) of ', m.amount, ', found ', COALESCE(f.facts, 0)) AS detail
    FROM folded_money AS m
    LEFT JOIN money_fact_totals AS f ON m.kind_no = f.kind_no AND m.money_id = f.money_id
    WHERE
        f.facts IS NULL
        OR f.facts <> m.segments
        OR f.min_amount <> m.amount
        OR f.max_amount <> m.amount
        OR f.first_at <> m.created_at
        OR f.last_at <> m.created_at
        OR f.refunded_later <> m.refunded_later
    UNION ALL
    SELECT
        'money fact without a payment or refund' AS violation,
        'money_facts' AS table_name,
        CONCAT(ELT(f.kind_no, 'payment', 'refund'), ' ', f.money_id) AS object_id,
        'no such payment or refund' AS detail
    FROM money_fact_totals AS f
    LEFT JOIN money_movements AS m ON f.kind_no = m.kind_no AND f.money_id = m.money_id
    WHERE m.money_id IS NULL
    UNION ALL
    SELECT
        'activity missing from user_activity_days' AS violation,
        'user_activity_days' AS table_name,
        CONCAT(a.user_id, ' ', a.day) AS object_id,
        'a login or booking of that day is not counted as activity' AS detail
    FROM (
        SELECT
            user_id,
            DATE(created_at) AS day
        FROM login_events
        WHERE success = 1
        UNION ALL
        SELECT
            user_id,
            DATE(created_at) AS day
        FROM reservations
        WHERE facts_pending IS NULL
    ) AS a
    LEFT JOIN user_activity_days AS uad ON a.day = uad.day AND a.user_id = uad.user_id
    WHERE uad.user_id IS NULL
    UNION ALL
    SELECT
        'customer month roll-up differs from booking facts' AS violation,
        'customer_months' AS table_name,
        -- CAST: the object_id of the other branches has the connection's collation (1271 otherwise)
        CAST(CONCAT(user_id, ' ', currency, ' ', month) AS CHAR) AS object_id,
        CONCAT(
            'expected ', expected_reservations, ' reservations, ', expected_passengers, ' passengers, paid ',
            expected_paid, ', refunded ', expected_refunded, '; found ', found_reservations, ', ', found_passengers,
            ', ', found_paid, ', ', found_refunded
        ) AS detail
    FROM customer_month_check
    WHERE
        expected_reservations <> found_reservations
        OR expected_passengers <> found_passengers
        OR expected_paid <> found_paid
        OR expected_refunded <> found_refunded
    UNION ALL
    SELECT
        'money day roll-up differs from money facts' AS violation,
        'money_days' AS table_name,
        CAST(CONCAT(day, ' ', currency, ' ', first_mode) AS CHAR) AS object_id,
        CONCAT(
            'expected ', expected_payments, ' payments of ', expected_gross, '; found ', found_payments, ' of ',
            found_gross
        ) AS detail
    FROM money_day_check
    WHERE expected_payments <> found_payments OR expected_gross <> found_gross
    UNION ALL
    SELECT
        'booking day roll-up differs from booking facts' AS violation,
        'booking_days' AS table_name,
        CAST(CONCAT(day, ' ', currency, ' ', mode, ' ', lead_bucket) AS CHAR) AS object_id,
        CONCAT(
            'expected ', expected_reservations, ' paid reservations of ', expected_paid, '; found ', found_reservations,
            ' of ', found_paid
        ) AS detail
    FROM booking_day_check
    WHERE expected_reservations <> found_reservations OR expected_paid <> found_paid
    UNION ALL
    SELECT
        'route day roll-up differs from money facts' AS violation,
        'route_days' AS table_name,
        CAST(CONCAT_WS(' ', day, currency, origin_station_id, destination_station_id, mode) AS CHAR) AS object_id,
        CONCAT('expected gross ', expected_gross, ' (', expected_rows, ' segments); found ', found_gross) AS detail
    FROM route_day_check
    -- a route's day row missing or left over, even at 0.00 (segment shares of 0 are possible)
    WHERE expected_gross <> found_gross OR (expected_rows > 0) <> (found_rows > 0)
    UNION ALL
    SELECT
        'payment method day roll-up differs from money facts' AS violation,
        'payment_method_days' AS table_name,
        CAST(CONCAT(day, ' ', currency, ' ', method) AS CHAR) AS object_id,
        CONCAT(
            'expected ', expected_payments, ' payments of ', expected_amount, '; found ', found_payments, ' of ',
            found_amount
        ) AS detail
    FROM method_day_check
    WHERE expected_payments <> found_payments OR expected_amount <> found_amount
)

SELECT
    violation,
    table_name,
    object_id,
    detail
FROM violations;
