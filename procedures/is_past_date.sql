-- is_past_date: whether a text is a real calendar date written YYYY-MM-DD, from 1000-01-01 (the start of
-- the DATE range both servers support) up to
-- the day of p_now. Checked by arithmetic, never by converting the text: MariaDB answers
-- DATE('2023-02-30') <> '2023-02-30' with 0, not NULL, and a conversion that fails inside a
-- procedure raises 1292 (a raw server error the caller must never see).
-- Errors: none (NULL text is not a date). Locks: none.
DROP FUNCTION IF EXISTS is_past_date;

DELIMITER $$

CREATE FUNCTION is_past_date(p_text VARCHAR(400), p_now DATETIME)
RETURNS BOOLEAN
DETERMINISTIC
NO SQL
SQL SECURITY INVOKER
COMMENT 'True when the text is a real date YYYY-MM-DD between 1000-01-01 and p_now'
BEGIN
    DECLARE v_year INT;
    DECLARE v_month INT;
    DECLARE v_day INT;
    IF p_text IS NULL OR p_text NOT REGEXP '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN
        RETURN FALSE;
    END IF;
    SET v_year = CAST(SUBSTRING(p_text, 1, 4) AS UNSIGNED);
    SET v_month = CAST(SUBSTRING(p_text, 6, 2) AS UNSIGNED);
    SET v_day = CAST(SUBSTRING(p_text, 9, 2) AS UNSIGNED);
    IF v_year < 1000 OR v_month NOT BETWEEN 1 AND 12 OR v_day < 1 THEN
        RETURN FALSE;
    END IF;
    -- the first of a real month converts safely; LAST_DAY knows leap years
    IF v_day > DAY(LAST_DAY(MAKEDATE(v_year, 1) + INTERVAL (v_month - 1) MONTH)) THEN
        RETURN FALSE;
    END IF;
    RETURN MAKEDATE(v_year, 1) + INTERVAL (v_month - 1) MONTH + INTERVAL (v_day - 1) DAY <= DATE(p_now);
END$$

DELIMITER ;
