-- Where each big data migration stands (harness/batches.py). A backfill runs in key ranges of
-- at most 10,000 rows of its driving table, each range in its own transaction together with
-- the update of its row here, so a run stopped at any point resumes after the last range that
-- committed, and no range is applied twice. On Galera a statement of a million rows would
-- replicate as one ~200 MB write set; ranges keep each write set small.

CREATE TABLE batch_watermarks (
    job_name VARCHAR(100) NOT NULL COMMENT 'The data migration, named by whoever runs it',
    last_key BIGINT NOT NULL COMMENT 'Key of the driving table up to which ranges are done',
    last_range_rows INT NOT NULL DEFAULT 0 COMMENT 'Rows of the driving table in the last range',
    rows_affected BIGINT NOT NULL DEFAULT 0 COMMENT 'Rows the statement changed, over all ranges',
    batches INT NOT NULL DEFAULT 0 COMMENT 'Ranges committed so far',
    finished_at DATETIME NULL COMMENT 'When the last range was done (UTC); NULL while it runs',
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT 'When the job first ran',
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP
    COMMENT 'When the last range committed',
    CONSTRAINT pk_batch_watermarks PRIMARY KEY (job_name)
) ENGINE = InnoDB
DEFAULT CHARSET = utf8mb4
COLLATE = utf8mb4_unicode_520_ci
COMMENT = 'Progress of batched data migrations (harness/batches.py), so they resume';
