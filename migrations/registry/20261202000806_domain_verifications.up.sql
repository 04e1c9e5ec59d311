-- Custom-domain ownership (issue 15.6). A platform's own domain (not a subdomain of the base
-- domain) is served only once proven: a TXT record `_tenantctl-challenge.<address>` holding
-- `token`, or serve answering `/.well-known/tenantctl-challenge/<token>` with `proof` when
-- fetched at that address. One row per platform and address; a new address is a new
-- challenge (the trigger below makes it, whoever changes the row: CLI, /setup, SQL).
CREATE TABLE IF NOT EXISTS tenantctl.domain_verifications (
    platform_id     bigint      NOT NULL REFERENCES public.platforms (id) ON DELETE CASCADE,
    domain          text        NOT NULL,
    token           text        NOT NULL UNIQUE,
    proof           text        NOT NULL,
    verified_at     timestamptz,
    method          text CHECK (method IN ('dns', 'http', 'existing')),
    last_checked_at timestamptz,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (platform_id, domain)
);

CREATE INDEX IF NOT EXISTS domain_verifications_unverified
    ON tenantctl.domain_verifications (last_checked_at NULLS FIRST) WHERE verified_at IS NULL;

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

DROP TRIGGER IF EXISTS platforms_domain_challenge ON public.platforms;
CREATE TRIGGER platforms_domain_challenge
    AFTER INSERT OR UPDATE OF domain, subdomain ON public.platforms
    FOR EACH ROW EXECUTE FUNCTION tenantctl.domain_challenge();

-- serve routes by this table: reload its map when it changes.
DROP TRIGGER IF EXISTS domain_verifications_notify ON tenantctl.domain_verifications;
CREATE TRIGGER domain_verifications_notify
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON tenantctl.domain_verifications
    FOR EACH STATEMENT EXECUTE FUNCTION tenantctl.notify_registry_changed();

-- Domains that were served before this migration stay served: recorded as `existing`.
INSERT INTO tenantctl.domain_verifications (platform_id, domain, token, proof, verified_at, method)
SELECT id,
       lower(CASE WHEN subdomain IS NULL THEN domain ELSE subdomain || '.' || domain END),
       replace(gen_random_uuid()::text, '-', '') || replace(gen_random_uuid()::text, '-', ''),
       replace(gen_random_uuid()::text, '-', '') || replace(gen_random_uuid()::text, '-', ''),
       now(), 'existing'
FROM public.platforms
WHERE domain IS NOT NULL
ON CONFLICT (platform_id, domain) DO NOTHING;
