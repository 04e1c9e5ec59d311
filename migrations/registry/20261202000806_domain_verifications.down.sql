DROP TRIGGER IF EXISTS platforms_domain_challenge ON public.platforms;
DROP FUNCTION IF EXISTS tenantctl.domain_challenge();
DROP TABLE IF EXISTS tenantctl.domain_verifications;
