DROP TRIGGER IF EXISTS domain_history_notify ON tenantctl.domain_history;
DROP TRIGGER IF EXISTS platforms_notify_update ON public.platforms;
DROP TRIGGER IF EXISTS platforms_notify_rows ON public.platforms;
DROP FUNCTION IF EXISTS tenantctl.notify_registry_changed();
