DROP TABLE IF EXISTS tenantctl.pool_schemas;
DROP TABLE IF EXISTS tenantctl.provision_attempts;
DROP TABLE IF EXISTS tenantctl.jobs;
