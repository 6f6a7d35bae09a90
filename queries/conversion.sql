-- name: conversion
-- title: Booking funnel: holds created, paid, kept, and where the others went
-- param: date_from DATE -30d  first booking day included (UTC)
-- param: date_to   DATE today last booking day included (UTC)
-- column: stage          TEXT    what became of the reservations (created, paid, kept, cancelled, expired, held)
-- column: reservations   INT     reservations created in the range that reached this stage
-- column: pct_of_created DECIMAL reservations as a percentage of those created
-- chart: barh x=stage y=reservations
-- example: date_from=2026-01-01 date_to=2026-06-30
--
-- Reservations created in the range, by what became of them. created = paid + cancelled
-- before paying + expired + still held; paid = kept + cancelled after paying. Paid ones are
-- counted from the day roll-up booking_days (V0050; the fold's pending few from booking_facts),
-- the others from booking_facts' status index; each read once (MariaDB would compute a CTE
-- once per reference), then one row per stage.
WITH paid_rolled_up AS (
    SELECT SUM(reservations) AS paid
    FROM booking_days
    WHERE
        day >= %(date_from)s
        AND day <= %(date_to)s
),

paid_pending AS (
    -- STRAIGHT_JOIN: the few pending reservations first, never the range's facts
    SELECT STRAIGHT_JOIN COUNT(*) AS paid
    FROM reservations AS r
    INNER JOIN booking_facts AS bf ON r.reservation_id = bf.reservation_id
    WHERE
        r.facts_pending = 1
        AND bf.created_at >= %(date_from)s
        AND bf.created_at < %(date_to)s + INTERVAL 1 DAY
        AND bf.paid > 0
),

-- Every reservation not confirmed: through booking_facts' status index (a fifth of them).
not_confirmed AS (
    SELECT
        SUM(paid = 0) AS unpaid,
        SUM(paid > 0 AND status = 'cancelled') AS cancelled_paid,
        SUM(paid = 0 AND status = 'cancelled') AS cancelled_unpaid,
        SUM(status = 'expired') AS expired,
        SUM(status = 'held') AS held
    FROM booking_facts
    WHERE
        status IN ('held', 'cancelled', 'expired')
        AND created_at >= %(date_from)s
        AND created_at < %(date_to)s + INTERVAL 1 DAY
),

-- paid = kept + cancelled after paying; every other reservation is unpaid (a confirmed one is
-- paid), so created = paid + unpaid.
totals AS (
    SELECT
        COALESCE(r.paid, 0) + p.paid + COALESCE(n.unpaid, 0) AS created,
        COALESCE(r.paid, 0) + p.paid AS paid,
        COALESCE(r.paid, 0) + p.paid - COALESCE(n.cancelled_paid, 0) AS kept,
        n.cancelled_paid,
        n.cancelled_unpaid,
        n.expired,
        n.held
    FROM paid_rolled_up AS r
    CROSS JOIN paid_pending AS p
    CROSS JOIN not_confirmed AS n
),

stages AS (
    SELECT
        1 AS stage_no,
        'created' AS stage
    UNION ALL
    SELECT
        2 AS stage_no,
        'paid' AS stage
    UNION ALL
    SELECT
        3 AS stage_no,
        'kept (paid, not cancelled)' AS stage
    UNION ALL
    SELECT
        4 AS stage_no,
        'cancelled after paying' AS stage
    UNION ALL
    SELECT
        5 AS stage_no,
        'cancelled before paying' AS stage
    UNION ALL
    SELECT
        6 AS stage_no,
        'expired (hold lapsed)' AS stage
    UNION ALL
    SELECT
        7 AS stage_no,
        'still held' AS stage
),

funnel AS (
    SELECT
        s.stage_no,
        s.stage,
        -- ELT returns a string; the count travels as a number
        CAST(COALESCE(ELT(
            s.stage_no, t.created, t.paid, t.kept, t.cancelled_paid, t.cancelled_unpaid, t.expired, t.held
        ), 0) AS UNSIGNED) AS reservations
    FROM stages AS s
    CROSS JOIN totals AS t
)

SELECT
    stage,
    reservations,
    CAST(
        100 * reservations / NULLIF(FIRST_VALUE(reservations) OVER (ORDER BY stage_no), 0) AS DECIMAL(5, 1)
    ) AS pct_of_created
FROM funnel
ORDER BY stage_no
