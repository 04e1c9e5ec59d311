DROP TABLE role_assignments;
DROP TRIGGER memberships_set_updated_at ON memberships;
DROP TABLE memberships;
