DROP TABLE IF EXISTS tenantctl.audit_log;
DROP TABLE IF EXISTS tenantctl.console_invites;
DROP TABLE IF EXISTS tenantctl.console_sessions;
DROP TABLE IF EXISTS tenantctl.console_user_platforms;
DROP TABLE IF EXISTS tenantctl.console_users;
