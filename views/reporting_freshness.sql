-- reporting_freshness: how fresh the reporting tables (booking_facts, money_facts,
-- user_activity_days) are. folded_until: every booking, payment, refund and status change
-- committed before it (UTC) is in them; later ones may be in part. pending_reservations: how many
-- the fold has still to visit (held reservations stay pending until their hold ends).
-- rollups_built: 1 once the fold has built the roll-ups the reports read (V0040's customer_months
-- and money_days, V0050's day roll-ups), 0 while it is still building them after a release
-- (or a rebuild): until then the reports that read them miss what is not built yet.
CREATE OR REPLACE SQL SECURITY INVOKER VIEW reporting_freshness AS
SELECT
    f.folded_until,
    f.pass_started_at,
    f.updated_at AS last_batch_at,
    f.rollup_users_to IS NULL AND f.rollup_days_to IS NULL AS rollups_built,
    (
        SELECT COUNT(*) FROM reservations AS r
        WHERE r.facts_pending = 1
    ) AS pending_reservations
FROM reporting_folds AS f
WHERE f.job = 'reporting_facts';
