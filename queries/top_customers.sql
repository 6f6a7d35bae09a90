-- name: top_customers
-- title: Customers ranked by net spend (payments less refunds) per currency
-- param: date_from DATE -30d  first booking day included (UTC)
-- param: date_to   DATE today last booking day included (UTC)
-- param: limit     INT 10 how many rows
-- column: user_id      INT   the customer's id
-- column: email        TEXT  the customer's email
-- column: full_name    TEXT  the customer's name
-- column: currency     TEXT  ISO 4217 currency of the money columns
-- column: reservations INT   paid reservations made in the range
-- column: passengers   INT   passengers on them
-- column: paid         MONEY payments for them
-- column: refunded     MONEY refunds for them
-- column: net          MONEY paid - refunded
-- chart: barh x=email y=net series=currency
-- example: date_from=2026-01-01 date_to=2026-06-30
--
-- Reservations made in the range that were paid; a customer paying in two currencies has a
-- row for each.
WITH spend AS (
    SELECT
        user_id,
        currency,
        COUNT(*) AS reservations,
        SUM(passengers) AS passengers,
        SUM(paid) AS paid,
        SUM(refunded) AS refunded
    -- Reading every customer's rows in index order streams the grouping (no temporary table
    -- of all customers); the optimizer would pick the date range and group 500k rows instead.
    FROM booking_facts FORCE INDEX (idx_booking_facts_user_spend)
    WHERE
        created_at >= %(date_from)s
        AND created_at < %(date_to)s + INTERVAL 1 DAY
        AND paid > 0
    GROUP BY user_id, currency
)

SELECT
    s.user_id,
    u.email,
    u.full_name,
    s.currency,
    s.reservations,
    s.passengers,
    s.paid,
    s.refunded,
    s.paid - s.refunded AS net
FROM spend AS s
INNER JOIN users AS u ON s.user_id = u.user_id
ORDER BY net DESC, s.user_id ASC, s.currency ASC
LIMIT %(limit)s
