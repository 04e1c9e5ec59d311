-- `serve` keeps the host → platform map in memory and reloads it when the registry changes:
-- these triggers NOTIFY channel `tenantctl_registry` (payload: the table name) after every
-- change that can alter how a request resolves. Statement-level where rows come or go; for
-- updates, only when a column that matters changed (a backup updating `last_backup_at` of a
-- thousand platforms wakes nobody). PostgreSQL folds identical notifications of one
-- transaction into one.
CREATE OR REPLACE FUNCTION tenantctl.notify_registry_changed() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    PERFORM pg_notify('tenantctl_registry', TG_TABLE_NAME);
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS platforms_notify_rows ON public.platforms;
CREATE TRIGGER platforms_notify_rows
    AFTER INSERT OR DELETE OR TRUNCATE ON public.platforms
    FOR EACH STATEMENT EXECUTE FUNCTION tenantctl.notify_registry_changed();

DROP TRIGGER IF EXISTS platforms_notify_update ON public.platforms;
CREATE TRIGGER platforms_notify_update
    AFTER UPDATE ON public.platforms
    FOR EACH ROW
    WHEN ((OLD.name, OLD.host, OLD.external, OLD.domain, OLD.subdomain, OLD.schema_name,
           OLD.provision_status, OLD.maintenance, OLD.maintenance_reason)
          IS DISTINCT FROM
          (NEW.name, NEW.host, NEW.external, NEW.domain, NEW.subdomain, NEW.schema_name,
           NEW.provision_status, NEW.maintenance, NEW.maintenance_reason))
    EXECUTE FUNCTION tenantctl.notify_registry_changed();

DROP TRIGGER IF EXISTS domain_history_notify ON tenantctl.domain_history;
CREATE TRIGGER domain_history_notify
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON tenantctl.domain_history
    FOR EACH STATEMENT EXECUTE FUNCTION tenantctl.notify_registry_changed();

