DROP FUNCTION IF EXISTS tenantctl.claim_job(text, bigint, integer);
DROP FUNCTION IF EXISTS tenantctl.enqueue(text, jsonb, text, timestamptz, text, integer, integer);
DROP FUNCTION IF EXISTS tenantctl.enqueue_for(text, text, jsonb, text, timestamptz, text, integer, integer);
UPDATE tenantctl.jobs j SET platform_id = NULL
    WHERE platform_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM public.platforms p WHERE p.id = j.platform_id);
ALTER TABLE tenantctl.jobs ADD CONSTRAINT jobs_platform_id_fkey
    FOREIGN KEY (platform_id) REFERENCES public.platforms (id) ON DELETE SET NULL;
