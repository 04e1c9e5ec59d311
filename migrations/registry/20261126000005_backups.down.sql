DROP TABLE IF EXISTS tenantctl.backups;
