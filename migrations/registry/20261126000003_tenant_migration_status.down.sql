DROP TABLE IF EXISTS tenantctl.tenant_migrations;
