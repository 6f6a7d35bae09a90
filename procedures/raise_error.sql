-- raise_error: signals a business error of CONTRACT.md, SQLSTATE 45000 with the errno and a
-- message prefixed by the error's code, so every procedure fails the same way.
-- Errors: the one asked for; an errno outside 50001-50008 is itself an INVALID_ARGUMENT.
-- Locks: none.
DROP PROCEDURE IF EXISTS raise_error;

DELIMITER $$

CREATE PROCEDURE raise_error (IN p_errno INT, IN p_detail VARCHAR(400))
NO SQL
SQL SECURITY INVOKER
COMMENT 'Signals SQLSTATE 45000 with a contract errno and CODE: detail message'
BEGIN
    DECLARE v_message VARCHAR(500);
    DECLARE v_errno INT DEFAULT p_errno;
    SET v_message = CONCAT(
        CASE p_errno
            WHEN 50001 THEN 'INVALID_ARGUMENT'
            WHEN 50002 THEN 'NOT_FOUND'
            WHEN 50003 THEN 'SOLD_OUT'
            WHEN 50004 THEN 'INVALID_STATE'
            WHEN 50005 THEN 'DUPLICATE'
            WHEN 50006 THEN 'AMOUNT_MISMATCH'
            WHEN 50007 THEN 'FORBIDDEN'
            WHEN 50008 THEN 'TOO_LATE'
        END,
        ': ',
        p_detail
    );
    IF v_message IS NULL THEN
        SET v_errno = 50001;
        SET v_message = CONCAT('INVALID_ARGUMENT: raise_error called with errno ', COALESCE(p_errno, 'NULL'));
    END IF;
    SIGNAL SQLSTATE '45000' SET MYSQL_ERRNO = v_errno, MESSAGE_TEXT = v_message;
END$$

DELIMITER ;
