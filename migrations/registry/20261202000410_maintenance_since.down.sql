DROP TRIGGER IF EXISTS platforms_maintenance_since ON public.platforms;
DROP FUNCTION IF EXISTS tenantctl.track_maintenance_since();
ALTER TABLE public.platforms DROP COLUMN IF EXISTS maintenance_since;
