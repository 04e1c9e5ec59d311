ALTER TABLE public.platforms DROP COLUMN IF EXISTS maintenance_reason, DROP COLUMN IF EXISTS maintenance;
