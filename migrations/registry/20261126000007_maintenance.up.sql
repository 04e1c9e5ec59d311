-- Maintenance mode: `serve` answers 503 for the platform and touches none of its data.
ALTER TABLE public.platforms
    ADD COLUMN IF NOT EXISTS maintenance boolean NOT NULL DEFAULT false,
    ADD COLUMN IF NOT EXISTS maintenance_reason text;
