-- Migration status per tenant, as the last `migrate` run left it. The tenant schema's own
-- `_sqlx_migrations` table stays the truth; this is the fleet-wide view for status and reports.
CREATE TABLE IF NOT EXISTS tenantctl.tenant_migrations (
    platform_id     bigint      PRIMARY KEY REFERENCES public.platforms (id) ON DELETE CASCADE,
    schema_name     text        NOT NULL,
    version         bigint,
    latest_version  bigint,
    pending_count   integer     NOT NULL DEFAULT 0,
    drift           boolean     NOT NULL DEFAULT false,
    last_error      text,
    last_run_at     timestamptz,
    last_success_at timestamptz,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
