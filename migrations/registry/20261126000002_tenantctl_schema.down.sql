DROP TABLE IF EXISTS tenantctl.domain_history;
DROP SCHEMA IF EXISTS tenantctl;
