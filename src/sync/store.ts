/** D1 reads of the engine (the fenced writes are in fenced-writes.ts). */

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
  /** syncs.field_map (JSON; src/sync/field-map.ts). */
  fieldMap: string
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
              t.broken_reason AS tenantBroken, s.field_map AS fieldMap
         FROM runs r JOIN syncs s ON s.id = r.sync_id JOIN tenants t ON t.id = r.tenant_id
         JOIN unisender_accounts a ON a.id = s.unisender_account_id
        WHERE r.id = ?`
    )
    .bind(runId)
    .first<RunRow>()
}

/** Staged rows per query when streaming (a row holds up to a few hundred KB). */
export const CHUNK_PAGE_ROWS = 32

/**
 * Streams the staged chunks of partitions [fromBucket, toBucket) of some sides to `fn`, one page
 * of rows per query (keyset on the primary key), so a step never holds more raw rows than a page
 * besides what it keeps from them.
 */
export async function forEachChunk(
  d1: D1Database,
  runId: number,
  sides: readonly string[],
  fromBucket: number,
  toBucket: number,
  fn: (row: { side: string; bucket: number; data: string }) => void
): Promise<void> {
  for (const side of sides) {
    let after: [bucket: number, seq: number] = [fromBucket - 1, 0]
    for (;;) {
      const res = await d1
        .prepare(
          `SELECT bucket, seq, data FROM run_chunks
            WHERE run_id = ? AND side = ? AND bucket >= ? AND bucket < ? AND (bucket, seq) > (?, ?)
            ORDER BY bucket, seq LIMIT ?`
        )
        .bind(runId, side, fromBucket, toBucket, after[0], after[1], CHUNK_PAGE_ROWS)
        .all<{ bucket: number; seq: number; data: string }>()
      for (const r of res.results) fn({ side, bucket: r.bucket, data: r.data })
      const last = res.results.at(-1)
      if (!last || res.results.length < CHUNK_PAGE_ROWS) break
      after = [last.bucket, last.seq]
    }
  }
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
