DROP TABLE IF EXISTS tenantctl.schedule_slots;
