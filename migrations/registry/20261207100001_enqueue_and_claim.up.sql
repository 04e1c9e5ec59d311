-- Enqueueing from any language, inside the caller's own transaction, and the fair claim
-- (issue 25).

-- A job keeps its platform's id when the platform is deleted (no foreign key setting it NULL),
-- so the worker's error names the id beside the name and schema snapshot. `platform delete`
-- cancels the platform's waiting jobs in its own transaction; a job reaching a worker anyway
-- finds no platform with that id and is discarded.
ALTER TABLE tenantctl.jobs DROP CONSTRAINT IF EXISTS jobs_platform_id_fkey;

-- The rules of a new job, run with tenantctl's rights: `caller_schema` is the head of the
-- caller's search_path (read by `tenantctl.enqueue` below, which runs with the caller's rights
-- and whose search_path is the caller's; this function's own is pinned). The tenant is
-- `platform` (its name, id or schema) or else the platform whose schema `caller_schema` is;
-- never `public`, never a guess.
CREATE OR REPLACE FUNCTION tenantctl.enqueue_for(
    caller_schema text,
    kind          text,
    payload       jsonb,
    platform      text,
    run_at        timestamptz,
    unique_key    text,
    priority      integer,
    max_attempts  integer
) RETURNS bigint
    LANGUAGE plpgsql
    VOLATILE
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS
$$
#variable_conflict use_column
DECLARE
    p          public.platforms%ROWTYPE;
    job_id     bigint;
    starts     timestamptz := coalesce(enqueue_for.run_at, now());
    try        integer;
BEGIN
    IF enqueue_for.kind IS NULL OR enqueue_for.kind !~ '^[a-z][a-z0-9_.-]{0,62}$' THEN
        RAISE EXCEPTION 'invalid job kind %: a lowercase letter a-z first, then a-z, 0-9, "_", "." or "-", at most 63 characters',
            coalesce(quote_literal(enqueue_for.kind), 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF enqueue_for.kind = 'provision' THEN
        RAISE EXCEPTION 'job kind ''provision'' is tenantctl''s own: platforms are provisioned by `tenantctl platform create` and `platform retry`'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF enqueue_for.payload IS NULL THEN
        RAISE EXCEPTION 'job payload must not be NULL (pass ''{}'' for none)'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF enqueue_for.max_attempts IS NOT NULL AND enqueue_for.max_attempts < 1 THEN
        RAISE EXCEPTION 'max_attempts must be at least 1 (got %)', enqueue_for.max_attempts
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF enqueue_for.priority IS NULL THEN
        RAISE EXCEPTION 'priority must not be NULL (0 is the default; smaller runs first)'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;

    IF enqueue_for.platform IS NOT NULL THEN
        SELECT * INTO p FROM public.platforms pl WHERE pl.name = enqueue_for.platform;
        IF NOT FOUND AND enqueue_for.platform ~ '^[0-9]{1,18}$' THEN
            SELECT * INTO p FROM public.platforms pl WHERE pl.id = enqueue_for.platform::bigint;
        END IF;
        IF NOT FOUND THEN
            SELECT * INTO p FROM public.platforms pl WHERE pl.schema_name = enqueue_for.platform;
        END IF;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'no platform %: not a platform''s name, id or schema', quote_literal(enqueue_for.platform)
                USING ERRCODE = 'no_data_found',
                      HINT = '`tenantctl platform list` shows them';
        END IF;
    ELSE
        IF caller_schema IS NULL OR caller_schema IN ('public', 'tenantctl', 'pg_catalog', 'information_schema')
           OR caller_schema LIKE 'pg\_%' THEN
            RAISE EXCEPTION 'no tenant for this job: no platform given and the head of search_path is %',
                coalesce(quote_literal(caller_schema), 'empty')
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'pass platform => ''NAME'', or enqueue inside the tenant''s transaction (SET LOCAL search_path TO its schema)';
        END IF;
        SELECT * INTO p FROM public.platforms pl WHERE pl.schema_name = caller_schema;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'no tenant for this job: schema % at the head of search_path is no platform''s schema',
                quote_literal(caller_schema)
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'pass platform => ''NAME''';
        END IF;
    END IF;
    IF p.external OR p.schema_name IS NULL THEN
        RAISE EXCEPTION 'platform % is external: it has no schema to run jobs in', quote_literal(p.name)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    -- A live duplicate may finish between the conflicting insert and the look-up: insert again.
    FOR try IN 1..3 LOOP
        INSERT INTO tenantctl.jobs AS j (kind, platform_id, platform_name, schema_name, payload, priority,
                                         unique_key, max_attempts, run_at, status)
        VALUES (enqueue_for.kind, p.id, p.name, p.schema_name, enqueue_for.payload, enqueue_for.priority,
                enqueue_for.unique_key, enqueue_for.max_attempts, starts,
                CASE WHEN starts <= now() THEN 'available' ELSE 'scheduled' END)
        ON CONFLICT (kind, platform_id, unique_key) WHERE unique_key IS NOT NULL
            AND status IN ('scheduled', 'available', 'running', 'retryable') DO NOTHING
        RETURNING j.id INTO job_id;
        IF job_id IS NOT NULL THEN
            IF starts <= now() THEN
                -- One payload for all: PostgreSQL folds a transaction's notifications into one.
                PERFORM pg_notify('tenantctl_jobs', '');
            END IF;
            RETURN job_id;
        END IF;
        SELECT j.id INTO job_id FROM tenantctl.jobs j
        WHERE j.kind = enqueue_for.kind AND j.platform_id = p.id AND j.unique_key = enqueue_for.unique_key
          AND j.status IN ('scheduled', 'available', 'running', 'retryable');
        IF job_id IS NOT NULL THEN
            RETURN job_id;
        END IF;
    END LOOP;
    RAISE EXCEPTION 'the live job of kind % with unique key % keeps changing; try again',
        quote_literal(enqueue_for.kind), quote_literal(enqueue_for.unique_key)
        USING ERRCODE = 'serialization_failure';
END
$$;

-- The function applications call. It runs with the caller's rights and search_path only to
-- read the head of that search_path (a SECURITY DEFINER function sees its own pinned one), and
-- names everything it calls by schema. The job commits or rolls back with the caller's
-- transaction.
CREATE OR REPLACE FUNCTION tenantctl.enqueue(
    kind         text,
    payload      jsonb,
    platform     text        DEFAULT NULL,
    run_at       timestamptz DEFAULT now(),
    unique_key   text        DEFAULT NULL,
    priority     integer     DEFAULT 0,
    max_attempts integer     DEFAULT NULL
) RETURNS bigint
    LANGUAGE sql
    VOLATILE
    SECURITY INVOKER
AS
$$
SELECT tenantctl.enqueue_for((pg_catalog.current_schemas(false))[1], kind, payload, platform, run_at,
                             unique_key, priority, max_attempts)
$$;

REVOKE ALL ON FUNCTION tenantctl.enqueue_for(text, text, jsonb, text, timestamptz, text, integer, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION tenantctl.enqueue(text, jsonb, text, timestamptz, text, integer, integer) FROM PUBLIC;

-- The fair claim. Round-robin over the platforms that have available jobs: from the platform
-- after `after` (the one the worker served last) in id order, wrapping round once, each platform
-- looked at with one probe of jobs_available_idx, so the cost grows with the platforms passed
-- over, never with the depth of the queue (no ranking of the whole ready set). A platform with
-- `cap` jobs running already (0: no cap) is passed over; the count is exact because claims of
-- one platform take its lane lock (class 0x7463746e = 1952674926, key the platform id's low 32 bits) for the
-- rest of their transaction, and each statement here reads a fresh snapshot. A claim that holds
-- no lane lock yet waits for one; one that holds some only tries, so two claims never wait for
-- each other. Jobs whose platform was deleted come first (the worker discards them at once).
-- Scheduled and retryable jobs whose time has come are made available first (a bounded batch).
CREATE OR REPLACE FUNCTION tenantctl.claim_job(worker text, after bigint, cap integer)
    RETURNS SETOF tenantctl.jobs
    LANGUAGE plpgsql
    VOLATILE
    SET search_path = pg_catalog, pg_temp
AS
$$
DECLARE
    lane    bigint;
    pos     bigint := coalesce(claim_job.after, -9223372036854775808);
    wrapped boolean := false;
    locked  boolean := false;
    looked  integer := 0;
    got     tenantctl.jobs%ROWTYPE;
BEGIN
    UPDATE tenantctl.jobs SET status = 'available', updated_at = now()
    WHERE id IN (SELECT id FROM tenantctl.jobs WHERE status IN ('scheduled', 'retryable') AND run_at <= now()
                 ORDER BY run_at LIMIT 1000 FOR UPDATE SKIP LOCKED);

    UPDATE tenantctl.jobs SET status = 'running', attempts = attempts + 1, locked_by = claim_job.worker,
        locked_at = now(), heartbeat_at = now(), updated_at = now()
    WHERE id = (SELECT id FROM tenantctl.jobs WHERE status = 'available' AND platform_id IS NULL
                ORDER BY priority, run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
    RETURNING * INTO got;
    IF FOUND THEN
        RETURN NEXT got;
        RETURN;
    END IF;

    LOOP
        SELECT platform_id INTO lane FROM tenantctl.jobs
        WHERE status = 'available' AND platform_id > pos ORDER BY platform_id LIMIT 1;
        IF lane IS NULL THEN
            EXIT WHEN wrapped OR claim_job.after IS NULL;
            wrapped := true;
            pos := -9223372036854775808;
            CONTINUE;
        END IF;
        EXIT WHEN wrapped AND lane > claim_job.after;
        looked := looked + 1;
        EXIT WHEN looked > 1000;
        IF NOT locked THEN
            PERFORM pg_advisory_xact_lock(1952674926, (lane & 4294967295)::bit(32)::integer);
            locked := true;
        ELSIF NOT pg_try_advisory_xact_lock(1952674926, (lane & 4294967295)::bit(32)::integer) THEN
            pos := lane;
            CONTINUE;
        END IF;
        IF coalesce(claim_job.cap, 0) <= 0
           OR (SELECT count(*) FROM tenantctl.jobs WHERE status = 'running' AND platform_id = lane) < claim_job.cap THEN
            UPDATE tenantctl.jobs SET status = 'running', attempts = attempts + 1, locked_by = claim_job.worker,
                locked_at = now(), heartbeat_at = now(), updated_at = now()
            WHERE id = (SELECT id FROM tenantctl.jobs WHERE status = 'available' AND platform_id = lane
                        ORDER BY priority, run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING * INTO got;
            IF FOUND THEN
                RETURN NEXT got;
                RETURN;
            END IF;
        END IF;
        pos := lane;
    END LOOP;
    RETURN;
END
$$;
