DROP TABLE IF EXISTS tenantctl.host_migrations;
