//! The statements, each one round trip. Every write locks the rows it
//! changes (row locks, `READ COMMITTED`); a claim skips rows another
//! transaction holds (`FOR UPDATE SKIP LOCKED`).

/// A new instance and its first events: `$1` id, `$2` flow, `$3` hash,
/// `$4` key, `$5` state, `$6` events; a wake-up hint on channel `$7`.
/// Nothing if the id or the (flow, key) is taken; returns how many rows
/// went in.
pub(super) const CREATE: &str = "
WITH inserted AS (
    INSERT INTO instances (id, flow, hash, business_key, status, version, state, journal_len)
    VALUES ($1, $2, $3, $4, 'runnable', 0, $5, cardinality($6::bytea[]))
    ON CONFLICT DO NOTHING
    RETURNING id
), appended AS (
    INSERT INTO journal (instance, seq, event)
    SELECT inserted.id, e.ord::integer - 1, e.event
    FROM inserted, unnest($6::bytea[]) WITH ORDINALITY AS e(event, ord)
)
SELECT count(*) FROM (SELECT pg_notify($7, '') FROM inserted) AS notified";

/// The instance that holds a business key.
pub(super) const BY_KEY: &str = "SELECT id FROM instances WHERE flow = $1 AND business_key = $2";

/// One commit, fenced: applied only if the instance is at version `$2` and
/// is claimed by no other store than `$12`. `$1` id, `$3` status, `$4`
/// state, `$5` wake-up, `$6` the open waits (JSON) and `$7` their names,
/// `$8` whether it finished (which clears a cancellation), `$9` hash, `$10`
/// events, `$11` the consumed signal. Returns how many rows it changed (0
/// or 1).
pub(super) const COMMIT: &str = "
WITH updated AS (
    UPDATE instances SET
        status = $3, version = version + 1, state = $4, wake_at = $5,
        waits = $6, wait_names = $7::text[],
        cancel_reason = CASE WHEN $8::boolean THEN NULL ELSE cancel_reason END,
        cancel_compensate = CASE WHEN $8::boolean THEN NULL ELSE cancel_compensate END,
        hash = $9, broken = NULL,
        journal_len = journal_len + cardinality($10::bytea[])
    WHERE id = $1 AND version = $2 AND (owner IS NULL OR owner = $12)
    RETURNING journal_len - cardinality($10::bytea[]) AS base
), appended AS (
    INSERT INTO journal (instance, seq, event)
    SELECT $1, updated.base + e.ord::integer - 1, e.event
    FROM updated, unnest($10::bytea[]) WITH ORDINALITY AS e(event, ord)
), consumed AS (
    DELETE FROM signals
    WHERE seq = $11 AND instance = $1 AND EXISTS (SELECT 1 FROM updated)
)
SELECT count(*) FROM updated";

/// Parked instances among `$1` for which a signal of their wait is stored,
/// or a cancellation requested, become runnable. Run after the commits that
/// parked them, as a statement of its own: it sees every signal committed
/// before it (a signal locks its instance's row first, so one committed
/// later sees the parked status and settles it itself).
pub(super) const SETTLE: &str = "
UPDATE instances SET status = 'runnable'
WHERE id = ANY($1::text[]) AND status IN ('waiting', 'sleeping')
  AND (cancel_reason IS NOT NULL
       OR EXISTS (SELECT 1 FROM signals
                  WHERE signals.instance = instances.id
                    AND signals.wait = ANY (instances.wait_names)))";

/// Why a commit was refused: the instance's version and owner.
pub(super) const FENCE: &str = "SELECT version, owner FROM instances WHERE id = $1";

/// Claims up to `$2` instances that can run at `$1` for store `$3` until
/// `$4`, in creation order, skipping rows another transaction holds.
pub(super) fn claim() -> String {
    format!(
        "
WITH picked AS (
    SELECT id AS picked_id FROM instances
    WHERE (status = 'runnable' OR (status IN ('waiting', 'sleeping') AND wake_at <= $1))
      AND (claimed_until IS NULL OR claimed_until <= $1)
    ORDER BY created
    LIMIT $2
    FOR UPDATE SKIP LOCKED
)
UPDATE instances SET owner = $3, claimed_until = $4
FROM picked WHERE instances.id = picked.picked_id
RETURNING {}, created",
        super::rows::INSTANCE
    )
}

/// Gives `$1` back if store `$2` holds it (or nobody does); whether it
/// exists.
pub(super) const RELEASE: &str = "
WITH released AS (
    UPDATE instances SET owner = NULL, claimed_until = NULL
    WHERE id = $1 AND (owner IS NULL OR owner = $2)
)
SELECT EXISTS (SELECT 1 FROM instances WHERE id = $1)";

/// Extends store `$3`'s claim on `$1` to at least `$2` (taking it, if
/// nobody holds it). Returns the rows changed.
pub(super) const RENEW: &str = "
UPDATE instances SET claimed_until = greatest(claimed_until, $2), owner = $3
WHERE id = $1 AND (owner IS NULL OR owner = $3)";

/// The earliest wake-up of a parked instance, after its claim if it has
/// one.
pub(super) const NEXT_WAKE: &str = "
SELECT min(greatest(wake_at, claimed_until)) FROM instances
WHERE status IN ('waiting', 'sleeping') AND wake_at IS NOT NULL";

/// Stores a signal for an unfinished instance (`$1` instance, `$2` wait,
/// `$3` payload, `$4` by, `$5` arrival, `$6` dedupe key), unless its dedupe
/// key was seen; wakes the instance if it is parked at that wait (one of its waits); sends a
/// wake-up hint on channel `$7`. One statement, so no lock is held across
/// a round trip (a worker stopped mid-call blocks no one). Returns the
/// instance's status (none: unknown) and whether the signal was stored.
pub(super) const SIGNAL: &str = "
WITH target AS (
    SELECT status FROM instances WHERE id = $1 FOR NO KEY UPDATE
), open AS (
    SELECT 1 FROM target
    WHERE status NOT IN ('completed', 'failed', 'cancelled', 'compensation_failed')
), fresh AS (
    INSERT INTO dedupe (instance, key)
    SELECT $1, $6 FROM open WHERE $6::text IS NOT NULL
    ON CONFLICT DO NOTHING
    RETURNING 1
), stored AS (
    INSERT INTO signals (instance, wait, payload, by_user, received_at)
    SELECT $1, $2, $3, $4, $5 FROM open
    WHERE $6::text IS NULL OR EXISTS (SELECT 1 FROM fresh)
    RETURNING seq
), woken AS (
    -- The condition is in the SET, not the WHERE: the WHERE sees the row
    -- as of the statement's start, the SET as `target` locked it (a commit
    -- that parked the instance while this statement waited for the lock).
    UPDATE instances SET status = CASE
        WHEN status IN ('waiting', 'sleeping')
             AND (cancel_reason IS NOT NULL OR $2 = ANY (wait_names)) THEN 'runnable'
        ELSE status END
    WHERE id = $1 AND EXISTS (SELECT 1 FROM stored)
), notified AS (
    SELECT pg_notify($7, '') FROM stored
)
SELECT (SELECT status FROM target), (SELECT count(*) FROM notified) > 0";

pub(super) const SIGNALS: &str = "
SELECT seq, wait, payload, by_user, received_at FROM signals
WHERE instance = $1 ORDER BY seq";

/// Requests a cancellation of an unfinished instance (the first request
/// stays) and wakes it if parked, with a wake-up hint on channel `$4`.
/// Returns the rows changed.
pub(super) const CANCEL: &str = "
UPDATE instances SET
    cancel_reason = coalesce(cancel_reason, $2),
    cancel_compensate = CASE WHEN cancel_reason IS NULL THEN $3 ELSE cancel_compensate END,
    status = CASE WHEN status IN ('waiting', 'sleeping') THEN 'runnable' ELSE status END
WHERE id = $1 AND status NOT IN ('completed', 'failed', 'cancelled', 'compensation_failed')
RETURNING pg_notify($4, '')";

pub(super) const STATUS: &str = "SELECT status FROM instances WHERE id = $1";

pub(super) const MARK_BROKEN: &str = "
UPDATE instances SET status = 'broken', broken = $2, owner = NULL, claimed_until = NULL
WHERE id = $1";

pub(super) const JOURNAL: &str = "SELECT event FROM journal WHERE instance = $1 ORDER BY seq";

pub(super) fn load() -> String {
    format!(
        "SELECT {} FROM instances WHERE id = $1",
        super::rows::INSTANCE
    )
}

/// Instances by flow and status, each filter applying when set: one
/// statement per combination, so each uses its index.
pub(super) fn list(flow: bool, status: bool) -> String {
    let condition = match (flow, status) {
        (true, true) => "WHERE flow = $1 AND status = $2",
        (true, false) => "WHERE flow = $1",
        (false, true) => "WHERE status = $1",
        (false, false) => "",
    };
    format!(
        "SELECT {} FROM instances {condition} ORDER BY created",
        super::rows::SUMMARY
    )
}
