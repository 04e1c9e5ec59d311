DROP TABLE IF EXISTS tenantctl.job_attempts;
DROP INDEX IF EXISTS tenantctl.jobs_unique_live;
DROP INDEX IF EXISTS tenantctl.jobs_one_live_provision;
DROP INDEX IF EXISTS tenantctl.jobs_finished_idx;
DROP INDEX IF EXISTS tenantctl.jobs_running_idx;
DROP INDEX IF EXISTS tenantctl.jobs_waiting_idx;
DROP INDEX IF EXISTS tenantctl.jobs_available_idx;
ALTER TABLE tenantctl.jobs RESET (fillfactor, autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold,
    autovacuum_vacuum_insert_scale_factor, autovacuum_vacuum_insert_threshold,
    autovacuum_analyze_scale_factor, autovacuum_vacuum_cost_delay);
-- Jobs of kinds the old queue does not know cannot be kept.
DELETE FROM tenantctl.jobs WHERE kind <> 'provision';
ALTER TABLE tenantctl.jobs DROP CONSTRAINT IF EXISTS jobs_kind_name;
ALTER TABLE tenantctl.jobs DROP CONSTRAINT IF EXISTS jobs_status_name;
ALTER TABLE tenantctl.jobs DROP CONSTRAINT IF EXISTS jobs_max_attempts_positive;
UPDATE tenantctl.jobs SET status = CASE
        WHEN status IN ('scheduled', 'available', 'retryable') THEN 'queued'
        WHEN status = 'completed' THEN 'succeeded'
        ELSE 'failed' END
    WHERE status <> 'running';
UPDATE tenantctl.jobs SET max_attempts = 6 WHERE max_attempts IS NULL;
ALTER TABLE tenantctl.jobs
    ALTER COLUMN max_attempts SET DEFAULT 6,
    ALTER COLUMN max_attempts SET NOT NULL,
    ALTER COLUMN status SET DEFAULT 'queued',
    ADD CONSTRAINT jobs_kind_check CHECK (kind IN ('provision')),
    ADD CONSTRAINT jobs_status_check CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
    DROP COLUMN IF EXISTS payload,
    DROP COLUMN IF EXISTS priority,
    DROP COLUMN IF EXISTS unique_key,
    DROP COLUMN IF EXISTS heartbeat_at;
CREATE INDEX IF NOT EXISTS jobs_ready_idx ON tenantctl.jobs (run_at, id) WHERE status = 'queued';
CREATE UNIQUE INDEX IF NOT EXISTS jobs_one_live_provision ON tenantctl.jobs (platform_id)
    WHERE kind = 'provision' AND status IN ('queued', 'running');
