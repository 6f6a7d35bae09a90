-- name: payment_methods
-- title: Payment method mix, and how many payments were kept (not refunded)
-- param: date_from DATE -30d  first payment day included (UTC)
-- param: date_to   DATE today last payment day included (UTC)
-- column: method    TEXT    card, wallet or bank_transfer
-- column: currency  TEXT    ISO 4217 currency of amount
-- column: payments  INT     payments taken in the range
-- column: amount    MONEY   their total
-- column: share_pct DECIMAL the method's share of all payments in the range, by count
-- column: kept_pct  DECIMAL share of its payments whose reservation is still confirmed
-- chart: bar x=method y=payments series=currency
-- example: date_from=2026-01-01 date_to=2026-06-30
--
-- share_pct: the method's share of all payments taken in the range (by count); kept_pct: the
-- share of its payments whose reservation is still confirmed (not cancelled since: a paid
-- reservation is only cancelled with a refund, which marks its payment refunded_later).
-- Payments come from the day roll-up payment_method_days (V0050), those the fold has not
-- cleared yet from money_facts; the payments refunded since from money_facts through its
-- index by kind and refunded_later (about 1 in 12).
WITH rolled_up AS (
    SELECT
        method,
        currency,
        payments,
        amount,
        0 AS refunded
    FROM payment_method_days
    WHERE
        day >= %(date_from)s
        AND day <= %(date_to)s
),

pending AS (
    SELECT STRAIGHT_JOIN  -- the few pending reservations first, never the range's facts
        mf.method,
        mf.currency,
        1 AS payments,
        mf.amount,
        0 AS refunded
    FROM reservations AS r
    INNER JOIN money_facts AS mf ON r.reservation_id = mf.reservation_id
    WHERE
        r.facts_pending = 1
        AND mf.kind = 'payment'
        AND mf.segment_no = 1
        AND mf.created_at >= %(date_from)s
        AND mf.created_at < %(date_to)s + INTERVAL 1 DAY
),

refunded_since AS (
    SELECT
        method,
        currency,
        0 AS payments,
        0.00 AS amount,
        1 AS refunded
    FROM money_facts
    WHERE
        kind = 'payment'
        AND refunded_later = 1
        AND created_at >= %(date_from)s
        AND created_at < %(date_to)s + INTERVAL 1 DAY
        AND segment_no = 1
),

parts AS (
    SELECT
        method,
        currency,
        payments,
        amount,
        refunded
    FROM rolled_up
    UNION ALL
    SELECT
        method,
        currency,
        payments,
        amount,
        refunded
    FROM pending
    UNION ALL
    SELECT
        method,
        currency,
        payments,
        amount,
        refunded
    FROM refunded_since
),

grouped AS (
    SELECT
        method,
        currency,
        SUM(payments) AS payments,
        SUM(amount) AS amount,
        SUM(refunded) AS refunded
    FROM parts
    GROUP BY method, currency
)

SELECT
    method,
    currency,
    payments,
    amount,
    CAST(100 * payments / SUM(payments) OVER () AS DECIMAL(5, 1)) AS share_pct,
    CAST(100 * (payments - refunded) / payments AS DECIMAL(5, 1)) AS kept_pct
FROM grouped
ORDER BY payments DESC, method ASC, currency ASC
