-- user_activity_days: who was active on which day (a successful login or a new reservation),
-- one row per user and day, so active_users counts distinct users per period from one narrow
-- table instead of de-duplicating every login and booking of the range (1.7 s -> 0.35 s on a
-- million reservations).
--
-- Kept fresh by triggers in the transaction that logs the user in or creates the reservation.
-- INSERT IGNORE: a user's second activity of a day finds the row there and leaves it; that
-- takes a shared lock on the existing row, so concurrent bookings of one user do not queue on
-- it (only a user's first two activities of a day, at the same instant, wait for each other).
-- Purging old reservations leaves their days here: the user was active all the same.
-- The integrity_violations view lists activity missing from it.

CREATE TABLE user_activity_days (
    day DATE NOT NULL COMMENT 'UTC date of the activity',
    user_id BIGINT UNSIGNED NOT NULL COMMENT 'The active user',
    created_at DATETIME NOT NULL COMMENT 'Their first activity that day (UTC)',
    CONSTRAINT pk_user_activity_days PRIMARY KEY (day, user_id),
    INDEX idx_user_activity_days_user_id (user_id)
) ENGINE = InnoDB
DEFAULT CHARSET = utf8mb4
COLLATE = utf8mb4_unicode_520_ci
COMMENT = 'Days on which each user logged in or booked; maintained by triggers';

-- Activity before this version.
INSERT INTO user_activity_days (day, user_id, created_at)
SELECT
    activity.day,
    activity.user_id,
    MIN(activity.created_at) AS created_at
FROM (
    SELECT
        user_id,
        created_at,
        DATE(created_at) AS day
    FROM login_events
    WHERE success = 1
    UNION ALL
    SELECT
        user_id,
        created_at,
        DATE(created_at) AS day
    FROM reservations
) AS activity
GROUP BY activity.day, activity.user_id;

-- noqa: disable=RF01
DELIMITER $$

CREATE TRIGGER record_login_activity
AFTER INSERT ON login_events
FOR EACH ROW
BEGIN
    IF NEW.success = 1 THEN
        INSERT IGNORE INTO user_activity_days (day, user_id, created_at)
        VALUES (DATE(NEW.created_at), NEW.user_id, NEW.created_at);
    END IF;
END$$

CREATE TRIGGER record_booking_activity
AFTER INSERT ON reservations
FOR EACH ROW
BEGIN
    INSERT IGNORE INTO user_activity_days (day, user_id, created_at)
    VALUES (DATE(NEW.created_at), NEW.user_id, NEW.created_at);
END$$

DELIMITER ;
-- noqa: enable=RF01
