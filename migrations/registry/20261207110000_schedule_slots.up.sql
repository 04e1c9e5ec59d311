-- Schedules (issue 25): one row per slot a schedule has enqueued. Its primary key is what makes
-- "exactly one job per slot" hold however many workers run: the worker whose INSERT of the
-- (schedule, slot) row succeeds enqueues the slot's jobs in the same transaction; every other
-- worker's INSERT conflicts and does nothing. Old slots are deleted as new ones are made.
CREATE TABLE tenantctl.schedule_slots (
    schedule  text        NOT NULL,
    slot      timestamptz NOT NULL,
    kind      text        NOT NULL,
    jobs      integer     NOT NULL DEFAULT 0,
    worker    text,
    fired_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (schedule, slot)
);
