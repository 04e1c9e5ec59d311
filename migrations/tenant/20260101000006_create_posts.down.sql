DROP TRIGGER posts_set_updated_at ON posts;
DROP TABLE posts;
