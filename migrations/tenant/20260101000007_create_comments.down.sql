DROP TRIGGER comments_count_on_move ON comments;
DROP TRIGGER comments_count_on_insert_delete ON comments;
DROP FUNCTION comments_maintain_post_count();
DROP TRIGGER comments_set_updated_at ON comments;
DROP TABLE comments;
