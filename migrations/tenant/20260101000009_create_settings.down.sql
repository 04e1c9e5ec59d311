DROP TRIGGER settings_set_updated_at ON settings;
DROP TABLE settings;
