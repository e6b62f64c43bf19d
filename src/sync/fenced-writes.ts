/**
 * The fenced writes of a step, in raw SQL because the condition must hold inside each statement:
 * every write is conditional on the run still being at the step's (step_seq, cursor.v), and all of
 * a step's writes go in one db.batch (one transaction) with the runs update last. A duplicate or
 * stale delivery therefore writes nothing, and a crash before the batch loses nothing.
 */
import type { RejectReason } from './counts'
import type { Cursor } from './state'

/** The guard every write of a step carries: the run is still where the step found it. */
export interface Fence {
  runId: number
  seq: number
  v: number
}

const fenceArgs = (f: Fence) => [f.runId, f.seq, f.v]

/** A packed chunk row to stage. */
export interface ChunkRow {
  side: string
  bucket: number
  seq: number
  emails: readonly string[]
}

/**
 * The condition every fenced write carries, with the run id, step seq and cursor version bound
 * as parameters ?n, ?n+1 and ?n+2 (after the statement's own n − 1).
 */
const fenceSql = (
  n: number
) => `EXISTS (SELECT 1 FROM runs WHERE id = ?${n} AND step_seq = ?${n + 1}
                          AND COALESCE(json_extract(cursor, '$.v'), 0) = ?${n + 2})`

/**
 * A statement (ending in a WHERE clause, plain `?` parameters) that only takes effect while the
 * step holds the run's fence, for writes outside the run's own rows (the sync's watermark).
 */
export function whileFenced(
  d1: D1Database,
  f: Fence,
  sql: string,
  ...args: unknown[]
): D1PreparedStatement {
  // SQLite numbers each plain `?` one past the largest number before it, so `sql`'s own
  // parameters are ?1..?n and the fence follows them.
  return d1.prepare(`${sql} AND ${fenceSql(args.length + 1)}`).bind(...args, ...fenceArgs(f))
}

/**
 * Conditional multi-row inserts: `into` lists the run-id column then the row columns; each
 * statement binds the fence once and `cols` values per row, at most 100 parameters in all.
 */
function insertFenced<T>(
  d1: D1Database,
  f: Fence,
  into: string,
  cols: number,
  rows: readonly T[],
  values: (row: T) => unknown[]
): D1PreparedStatement[] {
  return insertRows(d1, f, { runId: '?1', args: [], where: '' }, into, cols, rows, values)
}

/**
 * The multi-row inserts behind insertFenced and insertForMember: the fence's parameters are ?1..?3,
 * then `target.args`, then `cols` values per row; `target.runId` names the run-id value and
 * `target.where` adds to the fence's condition.
 */
function insertRows<T>(
  d1: D1Database,
  f: Fence,
  target: { runId: string; args: unknown[]; where: string },
  into: string,
  cols: number,
  rows: readonly T[],
  values: (row: T) => unknown[]
): D1PreparedStatement[] {
  const fixed = 3 + target.args.length
  const per = Math.floor((100 - fixed) / cols)
  const out: D1PreparedStatement[] = []
  for (let i = 0; i < rows.length; i += per) {
    const part = rows.slice(i, i + per)
    const tuples = part
      .map(
        (_, k) =>
          `(${Array.from({ length: cols }, (_, j) => `?${fixed + 1 + k * cols + j}`).join(', ')})`
      )
      .join(', ')
    const columns = Array.from({ length: cols }, (_, j) => `column${j + 1}`).join(', ')
    out.push(
      d1
        .prepare(
          `${into} SELECT ${target.runId}, ${columns} FROM (VALUES ${tuples})
            WHERE ${fenceSql(1)}${target.where}`
        )
        .bind(...fenceArgs(f), ...target.args, ...part.flatMap(values))
    )
  }
  return out
}

/**
 * Conditional inserts of staged chunks, many rows per statement, so a step stays within its
 * subrequest budget however many partitions it touched.
 */
export function insertChunks(
  d1: D1Database,
  f: Fence,
  rows: readonly ChunkRow[]
): D1PreparedStatement[] {
  return insertFenced(
    d1,
    f,
    'INSERT OR REPLACE INTO run_chunks (run_id, side, bucket, seq, item_count, data)',
    5,
    rows,
    (c) => [c.side, c.bucket, c.seq, c.emails.length, c.emails.join('\n')]
  )
}

/** Conditional inserts of rejects (the address cut to 320 characters). */
export function insertRejects(
  d1: D1Database,
  f: Fence,
  rejects: readonly { email: string; reason: RejectReason; detail?: string }[]
): D1PreparedStatement[] {
  return insertFenced(
    d1,
    f,
    'INSERT INTO run_rejects (run_id, email, reason, detail)',
    3,
    rejects,
    (r) => [r.email.slice(0, 320), r.reason, r.detail ?? null]
  )
}

/** The columns of runs a step may change. */
export interface RunPatch {
  cursor: Cursor
  counts: string
  apiCalls: string
  progressDone: number
  progressTotal: number
  advance: boolean
  status?: string
  phase?: string
  additionsOnly?: boolean
  errorCode?: string | null
  errorMessage?: string | null
  startedAt?: number
  finishedAt?: number
  steppedAt?: number
}

/** The fenced update of the run row (last statement of a step's batch). */
export function updateRun(d1: D1Database, f: Fence, p: RunPatch): D1PreparedStatement {
  const sets = [
    'cursor = ?',
    'counts = ?',
    'api_calls = ?',
    'progress_done = ?',
    'progress_total = ?',
    'step_seq = ?',
  ]
  const args: unknown[] = [
    JSON.stringify({ ...p.cursor, v: f.v + 1 }),
    p.counts,
    p.apiCalls,
    p.progressDone,
    p.progressTotal,
    p.advance ? f.seq + 1 : f.seq,
  ]
  const opt = (col: string, val: unknown) => {
    if (val === undefined) return
    sets.push(`${col} = ?`)
    args.push(typeof val === 'boolean' ? (val ? 1 : 0) : val)
  }
  opt('status', p.status)
  opt('phase', p.phase)
  opt('additions_only', p.additionsOnly)
  opt('error_code', p.errorCode)
  opt('error_message', p.errorMessage)
  opt('started_at', p.startedAt)
  opt('finished_at', p.finishedAt)
  opt('stepped_at', p.steppedAt)
  return d1
    .prepare(
      `UPDATE runs SET ${sets.join(', ')}
        WHERE id = ? AND step_seq = ? AND COALESCE(json_extract(cursor, '$.v'), 0) = ?`
    )
    .bind(...args, ...fenceArgs(f))
}

/**
 * Records the retry time of a step that threw without committing (an unexpected error; the queue
 * retries it with backoff), for the watchdog and the sync page. The one write to a run outside a
 * step's batch: it sets only cursor.retryAt, a hint, and only while the run is still at that step;
 * the cursor version is kept, so no step's fence changes, and the next commit replaces it.
 */
export function noteRetryAt(
  d1: D1Database,
  runId: number,
  seq: number,
  at: number
): D1PreparedStatement {
  return d1
    .prepare(
      `UPDATE runs SET cursor = json_set(cursor, '$.retryAt', ?)
        WHERE id = ? AND step_seq = ? AND status IN ('queued', 'running')`
    )
    .bind(at, runId, seq)
}

/**
 * The condition on a member run a shared read's leader stages into (docs/shared-read.md): the
 * member, of the same tenant, still runs and still waits for this leader's read. A member that
 * was cancelled, failed, or left the wait to read on its own gets nothing. `m` numbers the member
 * id and tenant id as ?m and ?m+1; the leader's id is ?1 (its fence's first parameter).
 */
const waitingMemberSql = (m: number) => `EXISTS (SELECT 1 FROM runs WHERE id = ?${m}
  AND tenant_id = ?${m + 1} AND status = 'running' AND phase = 'shared_wait'
  AND json_extract(cursor, '$.readId') = ?1)`

/**
 * Multi-row inserts into a member run of a shared read, conditional on the leader's fence and on
 * the member still waiting for the leader (so a duplicate or stale leader step writes nothing,
 * and neither does a step after the member left). At most 100 parameters a statement.
 */
function insertForMember<T>(
  d1: D1Database,
  f: Fence,
  member: { id: number; tenantId: number },
  into: string,
  cols: number,
  rows: readonly T[],
  values: (row: T) => unknown[]
): D1PreparedStatement[] {
  const target = {
    runId: '?4',
    args: [member.id, member.tenantId],
    where: ` AND ${waitingMemberSql(4)}`,
  }
  return insertRows(d1, f, target, into, cols, rows, values)
}

/** A shared read's staged chunks for one member (see insertForMember). */
export function insertMemberChunks(
  d1: D1Database,
  f: Fence,
  member: { id: number; tenantId: number },
  rows: readonly ChunkRow[]
): D1PreparedStatement[] {
  return insertForMember(
    d1,
    f,
    member,
    'INSERT OR REPLACE INTO run_chunks (run_id, side, bucket, seq, item_count, data)',
    5,
    rows,
    (c) => [c.side, c.bucket, c.seq, c.emails.length, c.emails.join('\n')]
  )
}

/** A shared read's rejects (invalid addresses) for one member (see insertForMember). */
export function insertMemberRejects(
  d1: D1Database,
  f: Fence,
  member: { id: number; tenantId: number },
  rejects: readonly { email: string; reason: RejectReason; detail?: string }[]
): D1PreparedStatement[] {
  return insertForMember(
    d1,
    f,
    member,
    'INSERT INTO run_rejects (run_id, email, reason, detail)',
    3,
    rejects,
    (r) => [r.email.slice(0, 320), r.reason, r.detail ?? null]
  )
}
