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
 * Conditional inserts of staged chunks, many rows per statement (each statement binds ≤ 100
 * parameters: run id and fence once, five per row), so a step stays within its subrequest budget
 * however many partitions it touched.
 */
export function insertChunks(
  d1: D1Database,
  f: Fence,
  rows: readonly ChunkRow[]
): D1PreparedStatement[] {
  const PER = 19
  const out: D1PreparedStatement[] = []
  for (let i = 0; i < rows.length; i += PER) {
    const part = rows.slice(i, i + PER)
    const values = part
      .map((_, k) => {
        const b = 4 + k * 5
        return `(?${b}, ?${b + 1}, ?${b + 2}, ?${b + 3}, ?${b + 4})`
      })
      .join(', ')
    out.push(
      d1
        .prepare(
          `INSERT OR REPLACE INTO run_chunks (run_id, side, bucket, seq, item_count, data)
           SELECT ?1, column1, column2, column3, column4, column5 FROM (VALUES ${values})
            WHERE EXISTS (SELECT 1 FROM runs WHERE id = ?1 AND step_seq = ?2
                          AND COALESCE(json_extract(cursor, '$.v'), 0) = ?3)`
        )
        .bind(
          f.runId,
          f.seq,
          f.v,
          ...part.flatMap((c) => [c.side, c.bucket, c.seq, c.emails.length, c.emails.join('\n')])
        )
    )
  }
  return out
}

/** Conditional insert of rejects, 32 per statement (run id and fence once, three per row). */
export function insertRejects(
  d1: D1Database,
  f: Fence,
  rejects: readonly { email: string; reason: RejectReason; detail?: string }[]
): D1PreparedStatement[] {
  const PER = 32
  const out: D1PreparedStatement[] = []
  for (let i = 0; i < rejects.length; i += PER) {
    const part = rejects.slice(i, i + PER)
    const values = part
      .map((_, k) => {
        const b = 4 + k * 3
        return `(?${b}, ?${b + 1}, ?${b + 2})`
      })
      .join(', ')
    out.push(
      d1
        .prepare(
          `INSERT INTO run_rejects (run_id, email, reason, detail)
           SELECT ?1, column1, column2, column3 FROM (VALUES ${values})
            WHERE EXISTS (SELECT 1 FROM runs WHERE id = ?1 AND step_seq = ?2
                          AND COALESCE(json_extract(cursor, '$.v'), 0) = ?3)`
        )
        .bind(
          f.runId,
          f.seq,
          f.v,
          ...part.flatMap((r) => [r.email.slice(0, 320), r.reason, r.detail ?? null])
        )
    )
  }
  return out
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
