-- What the last verification of each backup found (`backup verify`, the console's backups
-- page): when it ran, whether the backup restored with the manifest's row counts, and if not,
-- why. A backup never verified has NULLs.
ALTER TABLE tenantctl.backups
    ADD COLUMN IF NOT EXISTS verified_at     timestamptz,
    ADD COLUMN IF NOT EXISTS verify_ok       boolean,
    ADD COLUMN IF NOT EXISTS verify_problems text;
