ALTER TABLE tenantctl.backups
    DROP COLUMN IF EXISTS verify_problems,
    DROP COLUMN IF EXISTS verify_ok,
    DROP COLUMN IF EXISTS verified_at;
