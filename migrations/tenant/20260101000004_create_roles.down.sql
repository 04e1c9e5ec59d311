DROP TRIGGER roles_set_updated_at ON roles;
DROP TABLE roles;
