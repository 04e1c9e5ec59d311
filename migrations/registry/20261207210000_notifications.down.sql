DROP TRIGGER IF EXISTS domain_verifications_notify_lost ON tenantctl.domain_verifications;
DROP FUNCTION IF EXISTS tenantctl.notify_domain_lost();
DROP TRIGGER IF EXISTS platforms_notify_provision ON public.platforms;
DROP FUNCTION IF EXISTS tenantctl.notify_provision_outcome();
DROP TABLE IF EXISTS tenantctl.notification_reads;
DROP TABLE IF EXISTS tenantctl.notifications;
