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
        u.user_id,
        c.password_hash,
        u.status
    FROM users AS u
    INNER JOIN user_credentials AS c ON u.user_id = c.user_id
    WHERE u.email = LOWER(TRIM(p_email));
END$$

DELIMITER ;
