DROP TABLE IF EXISTS tenantctl.provision_attempts;
DROP TABLE IF EXISTS tenantctl.jobs;
