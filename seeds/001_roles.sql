-- Default roles. Idempotent: existing roles (matched by name) are left alone.
INSERT INTO roles (name, scope, description, is_system)
VALUES
    ('platform_manager',  'platform',  'Manages the whole platform: settings, communities and people.', true),
    ('community_manager', 'community', 'Manages one community: members, roles and content.',            true),
    ('moderator',         'community', 'Moderates posts and comments in one community.',                true),
    ('member',            'community', 'Regular member of one community.',                              true)
ON CONFLICT (name) DO NOTHING;
