-- name: conversion
-- title: Booking funnel: holds created, paid, kept, and where the others went
-- param: date_from DATE 2026-01-01 first booking day included (UTC)
-- param: date_to   DATE 2026-12-31 last booking day included (UTC)
--
-- Reservations created in the range, by what became of them. created = paid + cancelled
-- before paying + expired + still held; paid = kept + cancelled after paying.
-- requires: reservation_facts
WITH made AS (
    SELECT
        status,
        paid > 0 AS was_paid
    FROM reservation_facts
    WHERE
        created_at >= %(date_from)s
        AND created_at < %(date_to)s + INTERVAL 1 DAY
),

stages AS (
    SELECT
        1 AS stage_no,
        'created' AS stage,
        COUNT(*) AS reservations
    FROM made
    UNION ALL
    SELECT
        2 AS stage_no,
        'paid' AS stage,
        SUM(was_paid) AS reservations
    FROM made
    UNION ALL
    SELECT
        3 AS stage_no,
        'kept (paid, not cancelled)' AS stage,
        SUM(was_paid AND status = 'confirmed') AS reservations
    FROM made
    UNION ALL
    SELECT
        4 AS stage_no,
        'cancelled after paying' AS stage,
        SUM(was_paid AND status = 'cancelled') AS reservations
    FROM made
    UNION ALL
    SELECT
        5 AS stage_no,
        'cancelled before paying' AS stage,
        SUM(NOT was_paid AND status = 'cancelled') AS reservations
    FROM made
    UNION ALL
    SELECT
        6 AS stage_no,
        'expired (hold lapsed)' AS stage,
        SUM(status = 'expired') AS reservations
    FROM made
    UNION ALL
    SELECT
        7 AS stage_no,
        'still held' AS stage,
        SUM(status = 'held') AS reservations
    FROM made
)

SELECT
    stage,
    COALESCE(reservations, 0) AS reservations,
    CAST(
        100 * COALESCE(reservations, 0) / NULLIF(FIRST_VALUE(reservations) OVER (ORDER BY stage_no), 0)
        AS DECIMAL(5, 1)
    ) AS pct_of_created
FROM stages
ORDER BY stage_no
