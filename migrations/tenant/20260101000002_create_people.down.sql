DROP TRIGGER people_set_updated_at ON people;
DROP TABLE people;
