-- get_login: the credentials row for an email (matched trimmed and case-insensitively):
-- one row user_id, password_hash, status, or no row. The caller verifies the password.
-- Errors: none. Locks: none (a plain read).
DROP PROCEDURE IF EXISTS get_login;

DELIMITER $$

CREATE PROCEDURE get_login (IN p_email VARCHAR(255))
READS SQL DATA
SQL SECURITY DEFINER
COMMENT 'Returns user_id, password_hash, status for an email, or no row'
BEGIN
    SELECT
        user_id,
        password_hash,
        status
    FROM users
    WHERE email = LOWER(TRIM(p_email));
END$$

DELIMITER ;
