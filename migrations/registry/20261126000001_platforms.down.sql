DROP TABLE IF EXISTS public.platforms;
