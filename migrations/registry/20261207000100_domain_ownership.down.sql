DROP TABLE IF EXISTS tenantctl.setup_claims;
CREATE OR REPLACE FUNCTION tenantctl.domain_challenge() RETURNS trigger
    LANGUAGE plpgsql AS
$$
DECLARE
    address text;
BEGIN
    IF NEW.domain IS NULL THEN
        DELETE FROM tenantctl.domain_verifications WHERE platform_id = NEW.id;
        RETURN NULL;
    END IF;
    address := lower(CASE WHEN NEW.subdomain IS NULL THEN NEW.domain
                          ELSE NEW.subdomain || '.' || NEW.domain END);
    DELETE FROM tenantctl.domain_verifications WHERE platform_id = NEW.id AND domain <> address;
    INSERT INTO tenantctl.domain_verifications (platform_id, domain, token, proof)
    VALUES (NEW.id, address,
            replace(gen_random_uuid()::text, '-', '') || replace(gen_random_uuid()::text, '-', ''),
            replace(gen_random_uuid()::text, '-', '') || replace(gen_random_uuid()::text, '-', ''))
    ON CONFLICT (platform_id, domain) DO NOTHING;
    RETURN NULL;
END
$$;
DELETE FROM tenantctl.domain_verifications WHERE pending;
DROP INDEX IF EXISTS tenantctl.domain_verifications_recheck;
ALTER TABLE tenantctl.domain_verifications
    DROP COLUMN IF EXISTS failing_since,
    DROP COLUMN IF EXISTS lost_at,
    DROP COLUMN IF EXISTS pending,
    DROP COLUMN IF EXISTS new_domain,
    DROP COLUMN IF EXISTS new_subdomain;
