-- Shared trigger function that stamps updated_at on every UPDATE.
--
-- Created unqualified: the runner puts only the tenant's schema on the
-- (transaction-local) search_path, so the function lands in that schema.
-- The body only touches NEW, so it never depends on search_path at call time.
CREATE FUNCTION set_updated_at() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;
