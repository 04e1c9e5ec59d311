DROP FUNCTION IF EXISTS tenantctl.claim_job(text, bigint, integer);
DROP FUNCTION IF EXISTS tenantctl.enqueue(text, jsonb, text, timestamptz, text, integer, integer);
DROP FUNCTION IF EXISTS tenantctl.enqueue_for(text, text, jsonb, text, timestamptz, text, integer, integer);
