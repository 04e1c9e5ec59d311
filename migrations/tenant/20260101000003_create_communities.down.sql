DROP TRIGGER communities_set_updated_at ON communities;
DROP TABLE communities;
