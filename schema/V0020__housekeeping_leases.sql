-- Housekeeping exactly once, on one server or on every node of a Galera cluster.
--
-- On Galera an event runs on the node that created it (the others show SLAVESIDE_DISABLED), a
-- full state transfer can make it run on two nodes, and losing that node stops housekeeping.
-- So the events run on every node (the harness enables them node by node) and each run first
-- takes a lease: a guarded UPDATE of one common row, which only succeeds when a run is due and
-- no other run holds the lease. Two nodes taking it at once write the same row, so
-- certification commits one and aborts the other (1213); on one server the row lock does the
-- same. A run renews its lease between batches; a node that dies mid-run stops renewing, and
-- another node takes over once `held_until` has passed.

CREATE TABLE housekeeping_leases (
    job VARCHAR(64) NOT NULL COMMENT 'The event the lease guards',
    every_s INT NOT NULL COMMENT 'Seconds between runs; a run is due 0.9 x every_s after the last one started',
    max_run_s INT NOT NULL COMMENT 'A run not renewed for this long is presumed dead (its node died)',
    holder VARCHAR(100) NULL COMMENT 'Node (host:port) of the current or last run',
    token CHAR(36) NULL COMMENT 'Id of the current run; NULL when no run holds the lease',
    started_at DATETIME(6) NULL COMMENT 'When the current or last run started (UTC)',
    finished_at DATETIME(6) NULL COMMENT 'When the last run finished (UTC)',
    due_at DATETIME(6) NOT NULL DEFAULT '2000-01-01 00:00:00' COMMENT 'No run starts before this (UTC)',
    held_until DATETIME(6) NULL COMMENT 'The current run holds the lease until this (UTC)',
    runs BIGINT NOT NULL DEFAULT 0 COMMENT 'Runs started so far',
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT 'When the row was written',
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP
    COMMENT 'Last change',
    CONSTRAINT pk_housekeeping_leases PRIMARY KEY (job),
    CONSTRAINT ck_housekeeping_leases_periods CHECK (every_s > 0 AND max_run_s > 0)
) ENGINE = InnoDB
DEFAULT CHARSET = utf8mb4
COLLATE = utf8mb4_unicode_520_ci
COMMENT = 'One lease row per housekeeping event: one run at a time, cluster-wide';

CREATE TABLE housekeeping_runs (
    run_id BIGINT NOT NULL AUTO_INCREMENT COMMENT 'Run key (not dense on a cluster)',
    job VARCHAR(64) NOT NULL COMMENT 'The event that ran',
    node VARCHAR(100) NOT NULL COMMENT 'Node (host:port) it ran on',
    token CHAR(36) NOT NULL COMMENT 'The lease token of the run',
    started_at DATETIME(6) NOT NULL COMMENT 'When it took the lease (UTC)',
    finished_at DATETIME(6) NULL COMMENT 'When it finished (UTC); NULL if it died',
    affected INT NULL COMMENT 'Reservations expired or purged',
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT 'When the row was written',
    CONSTRAINT pk_housekeeping_runs PRIMARY KEY (run_id),
    CONSTRAINT fk_housekeeping_runs_housekeeping_leases FOREIGN KEY (job)
    REFERENCES housekeeping_leases (job),
    CONSTRAINT uq_housekeeping_runs_token UNIQUE (token),
    INDEX idx_housekeeping_runs_job_started_at (job, started_at)
) ENGINE = InnoDB
DEFAULT CHARSET = utf8mb4
COLLATE = utf8mb4_unicode_520_ci
COMMENT = 'Housekeeping runs, one row each, for operators and tests (kept 30 days)';

INSERT INTO housekeeping_leases (job, every_s, max_run_s)
VALUES ('expire_lapsed_holds', 60, 120), ('purge_old_reservations', 86400, 3600);

DELIMITER $$

-- Every minute on every node; the run that takes the lease expires lapsed holds 25 a
-- transaction (V0013), renewing the lease every 40 batches.
ALTER EVENT expire_lapsed_holds
COMMENT 'Expires lapsed holds under the housekeeping lease (expire_reservations)'
DO
BEGIN
    DECLARE v_token CHAR(36) DEFAULT UUID();
    DECLARE v_node VARCHAR(100) DEFAULT CONCAT(@@hostname, ':', @@port);
    -- one reading of the clock for the lease and the run record (a commit may wait for the
    -- cluster, so a later reading would not say when the run took the lease)
    DECLARE v_started DATETIME(6) DEFAULT UTC_TIMESTAMP(6);
    DECLARE v_expired INT DEFAULT 25;
    DECLARE v_rounds INT DEFAULT 0;
    DECLARE v_total INT DEFAULT 0;
    DECLARE v_errno INT;
    -- A lost race for the lease (1213: another node took it at the same moment) ends the run
    -- quietly; any other failure frees the lease for the next run and is reported.
    DECLARE EXIT HANDLER FOR SQLEXCEPTION
    BEGIN
        GET DIAGNOSTICS CONDITION 1 v_errno = MYSQL_ERRNO;
        ROLLBACK;
        UPDATE housekeeping_leases
        SET token = NULL, held_until = NULL
        WHERE job = 'expire_lapsed_holds' AND token = v_token;
        COMMIT;
        IF v_errno <> 1213 THEN
            RESIGNAL;
        END IF;
    END;

    UPDATE housekeeping_leases
    SET
        holder = v_node,
        token = v_token,
        started_at = v_started,
        finished_at = NULL,
        due_at = v_started + INTERVAL every_s * 900000 MICROSECOND,
        held_until = v_started + INTERVAL max_run_s SECOND,
        runs = runs + 1
    WHERE
        job = 'expire_lapsed_holds'
        AND due_at <= v_started
        AND (held_until IS NULL OR held_until <= v_started);
    IF ROW_COUNT() = 1 THEN
        COMMIT;
        INSERT INTO housekeeping_runs (job, node, token, started_at)
        VALUES ('expire_lapsed_holds', v_node, v_token, v_started);
        COMMIT;
        WHILE v_expired >= 25 AND v_rounds < 2400 DO
            CALL expire_reservations(25, v_expired);
            SET v_total = v_total + v_expired;
            SET v_rounds = v_rounds + 1;
            IF v_rounds MOD 40 = 0 THEN
                UPDATE housekeeping_leases
                SET held_until = UTC_TIMESTAMP(6) + INTERVAL max_run_s SECOND
                WHERE job = 'expire_lapsed_holds' AND token = v_token;
                COMMIT;
            END IF;
        END WHILE;
        UPDATE housekeeping_runs
        SET finished_at = UTC_TIMESTAMP(6), affected = v_total
        WHERE token = v_token;
        UPDATE housekeeping_leases
        SET token = NULL, held_until = NULL, finished_at = UTC_TIMESTAMP(6)
        WHERE job = 'expire_lapsed_holds' AND token = v_token;
        COMMIT;
    END IF;
END$$

-- Daily on every node; the run that takes the lease deletes never-paid reservations that
-- ended more than 30 days ago, and run records older than 30 days.
ALTER EVENT purge_old_reservations
COMMENT 'Deletes old never-paid reservations under the housekeeping lease (purge, 30 days)'
DO
BEGIN
    DECLARE v_token CHAR(36) DEFAULT UUID();
    DECLARE v_node VARCHAR(100) DEFAULT CONCAT(@@hostname, ':', @@port);
    -- one reading of the clock for the lease and the run record (a commit may wait for the
    -- cluster, so a later reading would not say when the run took the lease)
    DECLARE v_started DATETIME(6) DEFAULT UTC_TIMESTAMP(6);
    DECLARE v_purged INT;
    DECLARE v_errno INT;
    DECLARE EXIT HANDLER FOR SQLEXCEPTION
    BEGIN
        GET DIAGNOSTICS CONDITION 1 v_errno = MYSQL_ERRNO;
        ROLLBACK;
        UPDATE housekeeping_leases
        SET token = NULL, held_until = NULL
        WHERE job = 'purge_old_reservations' AND token = v_token;
        COMMIT;
        IF v_errno <> 1213 THEN
            RESIGNAL;
        END IF;
    END;

    UPDATE housekeeping_leases
    SET
        holder = v_node,
        token = v_token,
        started_at = v_started,
        finished_at = NULL,
        due_at = v_started + INTERVAL every_s * 900000 MICROSECOND,
        held_until = v_started + INTERVAL max_run_s SECOND,
        runs = runs + 1
    WHERE
        job = 'purge_old_reservations'
        AND due_at <= v_started
        AND (held_until IS NULL OR held_until <= v_started);
    IF ROW_COUNT() = 1 THEN
        COMMIT;
        INSERT INTO housekeeping_runs (job, node, token, started_at)
        VALUES ('purge_old_reservations', v_node, v_token, v_started);
        COMMIT;
        CALL purge_expired_reservations(30, v_purged);
        DELETE FROM housekeeping_runs
        WHERE started_at < UTC_TIMESTAMP(6) - INTERVAL 30 DAY;
        UPDATE housekeeping_runs
        SET finished_at = UTC_TIMESTAMP(6), affected = v_purged
        WHERE token = v_token;
        UPDATE housekeeping_leases
        SET token = NULL, held_until = NULL, finished_at = UTC_TIMESTAMP(6)
        WHERE job = 'purge_old_reservations' AND token = v_token;
        COMMIT;
    END IF;
END$$

DELIMITER ;
