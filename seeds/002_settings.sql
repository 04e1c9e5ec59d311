-- Platform settings, built only from the tenantctl.* session settings that the
-- runner sets (transaction-local) before running the seeds:
--   tenantctl.platform_name    required
--   tenantctl.platform_id      required, text of a bigint
--   tenantctl.platform_domain  optional (unset/empty => NULL), full host name
--   tenantctl.schema_name      required
-- Idempotent: existing keys are never overwritten.
WITH facts AS (
    SELECT
        btrim(current_setting('tenantctl.platform_name'))          AS platform_name,
        current_setting('tenantctl.platform_id')::bigint           AS platform_id,
        current_setting('tenantctl.schema_name')                   AS schema_name,
        -- Accept "Example.COM", "https://example.com/" etc.; keep the bare host.
        nullif(
            rtrim(regexp_replace(lower(btrim(coalesce(current_setting('tenantctl.platform_domain', true), ''))),
                                 '^[a-z][a-z0-9+.-]*://', ''),
                  '/'),
            '')                                                     AS platform_domain
)
INSERT INTO settings (key, value, description)
SELECT s.key, coalesce(s.value, 'null'::jsonb), s.description
FROM facts f
CROSS JOIN LATERAL (
    VALUES
        ('platform.id',          to_jsonb(f.platform_id),                     'Platform id in the control plane.'),
        ('platform.name',        to_jsonb(f.platform_name),                   'Display name of the platform.'),
        ('platform.domain',      to_jsonb(f.platform_domain),                 'Host name the platform is served at (null if none).'),
        ('platform.url',         to_jsonb('https://' || f.platform_domain),   'Base URL of the platform (null if no domain).'),
        ('platform.schema_name', to_jsonb(f.schema_name),                     'Database schema holding this tenant.'),
        ('locale.default',       to_jsonb('en'::text),                        'Default locale for people and e-mails.'),
        ('time_zone.default',    to_jsonb('UTC'::text),                       'Default time zone.'),
        ('registration.open',    to_jsonb(true),                              'Whether anyone may sign up.'),
        ('posts.max_length',     to_jsonb(20000),                             'Maximum post body length in characters.')
) AS s (key, value, description)
ON CONFLICT (key) DO NOTHING;
