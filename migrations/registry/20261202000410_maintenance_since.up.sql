-- When a platform went into maintenance, so `status`, `platform list` and `show` can say for
-- how long (a killed restore leaves it there; issue 15.10). Kept by a trigger, so every path
-- that flips `maintenance` (restore, `platform maintenance`, the host migration, an UPDATE by
-- hand) keeps it right: set when maintenance turns on, cleared when it turns off.
ALTER TABLE public.platforms ADD COLUMN IF NOT EXISTS maintenance_since timestamptz;
UPDATE public.platforms SET maintenance_since = updated_at
WHERE maintenance AND maintenance_since IS NULL;

CREATE OR REPLACE FUNCTION tenantctl.track_maintenance_since() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    IF NOT NEW.maintenance THEN
        NEW.maintenance_since := NULL;
    ELSIF TG_OP = 'INSERT' THEN
        NEW.maintenance_since := coalesce(NEW.maintenance_since, now());
    ELSIF NOT OLD.maintenance THEN
        NEW.maintenance_since := now();
    END IF;
    RETURN NEW;
END
$$;

DROP TRIGGER IF EXISTS platforms_maintenance_since ON public.platforms;
CREATE TRIGGER platforms_maintenance_since
    BEFORE INSERT OR UPDATE OF maintenance ON public.platforms
    FOR EACH ROW EXECUTE FUNCTION tenantctl.track_maintenance_since();
