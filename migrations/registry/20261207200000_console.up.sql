-- The web console's accounts, sessions and invitations, and the audit log of every change made
-- through the console or the CLI (issue 26).
-- - Emails are unique case-insensitively; a password is an argon2id PHC string, NULL until
--   the account's one-time link has been used.
-- - Session ids, invitation tokens: only their SHA-256 is stored, so a copy of the registry
--   does not log anyone in.
-- - audit_log keeps the platform's id and name as they were (no foreign key): the trail of a
--   deleted platform stays readable.
CREATE TABLE IF NOT EXISTS tenantctl.console_users (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         text        NOT NULL CHECK (email = btrim(email) AND email LIKE '_%@_%'),
    role          text        NOT NULL CHECK (role IN ('admin', 'viewer', 'organizer')),
    password_hash text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    password_set_at timestamptz,
    disabled_at   timestamptz
);
CREATE UNIQUE INDEX IF NOT EXISTS console_users_email ON tenantctl.console_users (lower(email));

CREATE TABLE IF NOT EXISTS tenantctl.console_user_platforms (
    user_id     bigint NOT NULL REFERENCES tenantctl.console_users (id) ON DELETE CASCADE,
    platform_id bigint NOT NULL REFERENCES public.platforms (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, platform_id)
);
CREATE INDEX IF NOT EXISTS console_user_platforms_platform
    ON tenantctl.console_user_platforms (platform_id);

CREATE TABLE IF NOT EXISTS tenantctl.console_sessions (
    id_hash      bytea PRIMARY KEY,
    user_id      bigint      NOT NULL REFERENCES tenantctl.console_users (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    address      text
);
CREATE INDEX IF NOT EXISTS console_sessions_user ON tenantctl.console_sessions (user_id);
CREATE INDEX IF NOT EXISTS console_sessions_expires ON tenantctl.console_sessions (expires_at);

CREATE TABLE IF NOT EXISTS tenantctl.console_invites (
    token_hash  bytea PRIMARY KEY,
    email       text        NOT NULL,
    role        text        NOT NULL CHECK (role IN ('admin', 'viewer', 'organizer')),
    platform_id bigint REFERENCES public.platforms (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    created_by  text        NOT NULL,
    CHECK ((role = 'organizer') = (platform_id IS NOT NULL))
);
CREATE INDEX IF NOT EXISTS console_invites_email ON tenantctl.console_invites (lower(email));

CREATE TABLE IF NOT EXISTS tenantctl.audit_log (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at            timestamptz NOT NULL DEFAULT now(),
    via           text        NOT NULL CHECK (via IN ('console', 'cli')),
    actor         text        NOT NULL,
    user_id       bigint,
    action        text        NOT NULL,
    platform_id   bigint,
    platform_name text,
    detail        jsonb       NOT NULL DEFAULT '{}',
    address       text
);
CREATE INDEX IF NOT EXISTS audit_log_at ON tenantctl.audit_log (at DESC);
CREATE INDEX IF NOT EXISTS audit_log_platform ON tenantctl.audit_log (platform_id, at DESC);
