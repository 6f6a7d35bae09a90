-- user_activity_days.month is STORED from now on (V0051 made it VIRTUAL), with its index.
--
-- Why: a Galera node killed while InnoDB still had rows of this table to purge could not come
-- back. Its restart first runs `mariadbd --wsrep-recover` to read its last committed position
-- (Galera's start scripts do the same after a crash); purging an entry of an index on a
-- VIRTUAL column computes the column, which that recovery run cannot do ("Incorrect
-- information in file: user_activity_days.frm", over and over), and it never finished. Seen in
-- CI twice: the node killed by tests/cluster/test_housekeeping.py stayed down and the cluster
-- tests after it failed. A STORED column is read, never computed, by purge.
--
-- MySQL 8 and MariaDB both refuse to MODIFY a VIRTUAL column into a STORED one: the column is
-- dropped and added again in one statement, so active_users never sees the table without it.
-- The table is rebuilt (a copy): bookings never write it, but logins (its trigger) and the
-- reporting fold wait for the copy, and reports read the old one meanwhile. On a table of more
-- than 1,000 rows `travel lint` calls this risky and `travel migrate` asks for --allow-risky,
-- or for pt-online-schema-change as lint prints it: a release window's decision, as it should be
-- (about a million rows per year of activity).
ALTER TABLE user_activity_days
    DROP INDEX idx_user_activity_days_month_user_id,
    DROP COLUMN month,
    ADD COLUMN month DATE GENERATED ALWAYS AS (day - INTERVAL (DAYOFMONTH(day) - 1) DAY) STORED
    COMMENT 'First day of the month of day (computed, stored)',
    ADD INDEX idx_user_activity_days_month_user_id (month, user_id);
