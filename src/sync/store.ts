/**
 * D1 I/O of the engine, in raw SQL where a condition must hold inside the same statement: every
 * write of a step is conditional on the run still being at the step's (step_seq, cursor.v), and
 * all of a step's writes go in one db.batch (one transaction), with the runs update last. A
 * duplicate or stale delivery therefore writes nothing, and a crash before the batch loses nothing.
 */
import type { RejectReason } from './counts'
import type { Cursor } from './state'

/** What one step loads: the run with its sync, tenant and Unisender account. */
export interface RunRow {
  id: number
  tenantId: number
  syncId: number
  dryRun: number
  trigger: string
  kind: 'full' | 'incremental'
  status: string
  phase: string
  cursor: string
  stepSeq: number
  counts: string
  apiCalls: string
  progressDone: number
  progressTotal: number
  additionsOnly: number
  startedAt: number | null
  mode: 'exact' | 'union' | 'subtract'
  allCustomers: number
  segmentCode: string | null
  listId: number | null
  listTitle: string
  createList: number
  guardPercent: number
  guardMinCount: number
  unisenderAccountId: number
  systemUrl: string
  crmApiKeyEnc: string
  apiKeyEnc: string
  accountDeletedAt: number | null
  accountTestMode: number
  tenantActive: number
  tenantFrozen: number
  tenantBroken: string | null
}

/** Loads a run and everything a step needs, in one query. */
export async function loadRun(d1: D1Database, runId: number): Promise<RunRow | null> {
  return d1
    .prepare(
      `SELECT r.id, r.tenant_id AS tenantId, r.sync_id AS syncId, r.dry_run AS dryRun, r.trigger, r.kind,
              r.status, r.phase, r.cursor, r.step_seq AS stepSeq, r.counts, r.api_calls AS apiCalls,
              r.progress_done AS progressDone, r.progress_total AS progressTotal,
              r.additions_only AS additionsOnly, r.started_at AS startedAt,
              s.mode, s.all_customers AS allCustomers, s.segment_code AS segmentCode,
              s.list_id AS listId, s.list_title AS listTitle, s.create_list AS createList,
              s.guard_percent AS guardPercent, s.guard_min_count AS guardMinCount,
              s.unisender_account_id AS unisenderAccountId,
              t.system_url AS systemUrl, t.crm_api_key_enc AS crmApiKeyEnc,
              a.api_key_enc AS apiKeyEnc, a.deleted_at AS accountDeletedAt,
              a.test_mode AS accountTestMode, t.active AS tenantActive, t.frozen AS tenantFrozen,
              t.broken_reason AS tenantBroken
         FROM runs r JOIN syncs s ON s.id = r.sync_id JOIN tenants t ON t.id = r.tenant_id
         JOIN unisender_accounts a ON a.id = s.unisender_account_id
        WHERE r.id = ?`
    )
    .bind(runId)
    .first<RunRow>()
}

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
  return d1
    .prepare(
      `UPDATE runs SET ${sets.join(', ')}
        WHERE id = ? AND step_seq = ? AND COALESCE(json_extract(cursor, '$.v'), 0) = ?`
    )
    .bind(...args, ...fenceArgs(f))
}

/** Loads the staged chunks of some partitions for some sides. */
export async function loadChunks(
  d1: D1Database,
  runId: number,
  sides: readonly string[],
  fromBucket: number,
  toBucket: number
): Promise<{ side: string; bucket: number; data: string }[]> {
  const res = await d1
    .prepare(
      `SELECT side, bucket, data FROM run_chunks
        WHERE run_id = ? AND bucket >= ? AND bucket < ? AND side IN (${sides.map(() => '?').join(',')})`
    )
    .bind(runId, fromBucket, toBucket, ...sides)
    .all<{ side: string; bucket: number; data: string }>()
  return res.results
}

/** Item counts of staged partitions (to size a diff step without loading data). */
export async function partitionSizes(
  d1: D1Database,
  runId: number,
  sides: readonly string[]
): Promise<Map<number, number>> {
  const res = await d1
    .prepare(
      `SELECT bucket, SUM(item_count) AS n FROM run_chunks
        WHERE run_id = ? AND side IN (${sides.map(() => '?').join(',')}) GROUP BY bucket`
    )
    .bind(runId, ...sides)
    .all<{ bucket: number; n: number }>()
  return new Map(res.results.map((r) => [r.bucket, r.n]))
}

/** Loads staged write batches `seq` in [from, to) of one side. */
export async function loadBatches(
  d1: D1Database,
  runId: number,
  side: 'A' | 'W' | 'R',
  from: number,
  to: number
): Promise<{ seq: number; data: string }[]> {
  const res = await d1
    .prepare(
      `SELECT seq, data FROM run_chunks WHERE run_id = ? AND side = ? AND bucket = 0 AND seq >= ? AND seq < ?
        ORDER BY seq`
    )
    .bind(runId, side, from, to)
    .all<{ seq: number; data: string }>()
  return res.results
}

/**
 * The previous successful, non-dry run of a sync (its refusals are not re-sent). A 'reconcile'
 * run ignores them, so an address refused once is retried at every periodic reconcile.
 */
export async function previousRunId(
  d1: D1Database,
  syncId: number,
  runId: number
): Promise<number | null> {
  const row = await d1
    .prepare(
      `SELECT id FROM runs WHERE sync_id = ? AND id < ? AND status = 'done' AND dry_run = 0
        ORDER BY id DESC LIMIT 1`
    )
    .bind(syncId, runId)
    .first<{ id: number }>()
  return row?.id ?? null
}
