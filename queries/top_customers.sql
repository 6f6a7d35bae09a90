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
-- row for each. A range of whole months (the 1st to a last day) is read from the roll-up
-- customer_months, any other range from booking_facts (both folded, like every reporting table):
-- month_spend is one, day_spend the other, and the one not taken has an impossible WHERE.
WITH month_spend AS (
    SELECT
        user_id,
        currency,
        SUM(reservations) AS reservations,
        SUM(passengers) AS passengers,
        SUM(paid) AS paid,
        SUM(refunded) AS refunded
    FROM customer_months
    WHERE
        DAYOFMONTH(%(date_from)s) = 1
        AND %(date_to)s = LAST_DAY(%(date_to)s)
        AND month >= %(date_from)s
        AND month <= %(date_to)s
    -- in key order: each customer's months are summed as they are read (no temporary table;
    -- ordering by net here would group in one)
    GROUP BY user_id, currency
),

month_top AS (
    SELECT
        user_id,
        currency,
        reservations,
        passengers,
        paid,
        refunded
    FROM month_spend
    ORDER BY paid - refunded DESC, user_id ASC, currency ASC
    LIMIT %(limit)s
),

day_spend AS (
    SELECT
        user_id,
        currency,
        COUNT(*) AS reservations,
        SUM(passengers) AS passengers,
        SUM(paid) AS paid,
        SUM(refunded) AS refunded
    FROM booking_facts
    WHERE
        NOT (DAYOFMONTH(%(date_from)s) = 1 AND %(date_to)s = LAST_DAY(%(date_to)s))
        AND created_at >= %(date_from)s
        AND created_at < %(date_to)s + INTERVAL 1 DAY
        AND paid > 0
    GROUP BY user_id, currency
    ORDER BY SUM(paid) - SUM(refunded) DESC, user_id ASC, currency ASC
    LIMIT %(limit)s
),

spend AS (
    SELECT
        user_id,
        currency,
        reservations,
        passengers,
        paid,
        refunded
    FROM month_top
    UNION ALL
    SELECT
        user_id,
        currency,
        reservations,
        passengers,
        paid,
        refunded
    FROM day_spend
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
