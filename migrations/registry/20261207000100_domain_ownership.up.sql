-- Domain ownership, checked for good (issue 27.1-5).
-- - A verified domain is checked again (`domains.recheck_interval`); `failing_since` is the
--   first failed check in a row, and once it is older than `domains.lost_after` the domain is
--   lost: `verified_at` cleared, `lost_at` set, no longer served.
-- - A new address (`platform set-domain`) that needs proof waits in a `pending` row, with the
--   domain and subdomain it will take; the platform keeps its current address until the
--   pending one is proven, then switches (the trigger below makes the row current).
-- - `/setup` claims: the digest of the claimant's token, so `GET /setup/platforms/{id}`
--   answers only to whoever created it.
ALTER TABLE tenantctl.domain_verifications
    ADD COLUMN IF NOT EXISTS failing_since timestamptz,
    ADD COLUMN IF NOT EXISTS lost_at       timestamptz,
    ADD COLUMN IF NOT EXISTS pending       boolean NOT NULL DEFAULT false,
    ADD COLUMN IF NOT EXISTS new_domain    text,
    ADD COLUMN IF NOT EXISTS new_subdomain text;

CREATE INDEX IF NOT EXISTS domain_verifications_recheck
    ON tenantctl.domain_verifications (last_checked_at NULLS FIRST) WHERE verified_at IS NOT NULL;

-- As in 20261202000806, and a pending row for the address the platform now has becomes its
-- current one (keeping its proof).
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
    UPDATE tenantctl.domain_verifications
    SET pending = false, new_domain = NULL, new_subdomain = NULL
    WHERE platform_id = NEW.id AND domain = address AND pending;
    INSERT INTO tenantctl.domain_verifications (platform_id, domain, token, proof)
    VALUES (NEW.id, address,
            replace(gen_random_uuid()::text, '-', '') || replace(gen_random_uuid()::text, '-', ''),
            replace(gen_random_uuid()::text, '-', '') || replace(gen_random_uuid()::text, '-', ''))
    ON CONFLICT (platform_id, domain) DO NOTHING;
    RETURN NULL;
END
$$;

CREATE TABLE IF NOT EXISTS tenantctl.setup_claims (
    platform_id bigint      PRIMARY KEY REFERENCES public.platforms (id) ON DELETE CASCADE,
    token_hash  bytea       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
