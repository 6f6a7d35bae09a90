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
-- before paying + expired + still held; paid = kept + cancelled after paying. One pass over
-- the range (totals: MariaDB would compute a CTE once per reference), then one row per stage.
WITH totals AS (
    SELECT
        COUNT(*) AS created,
        SUM(paid > 0) AS paid,
        SUM(paid > 0 AND status = 'confirmed') AS kept,
        SUM(paid > 0 AND status = 'cancelled') AS cancelled_paid,
        SUM(paid = 0 AND status = 'cancelled') AS cancelled_unpaid,
        SUM(status = 'expired') AS expired,
        SUM(status = 'held') AS held
    FROM booking_facts
    WHERE
        created_at >= %(date_from)s
        AND created_at < %(date_to)s + INTERVAL 1 DAY
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
