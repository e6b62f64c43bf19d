/**
 * Statements that close a run: drop its staging (keeping the first add and remove batch, and the
 * contacts whose fields it updates, as the sample the UI shows, the addresses Unisender refused,
 * which the next run does not re-send, and the
 * holder index), remember a successful full run on the sync, and prune old runs so that
 * storage stays bounded (the last KEEP_RUNS runs of each sync are kept with their rejects).
 */
import type { StepContext } from './context'
import { KEEP_RUNS, SIDES } from './state'

/** Adds the closing statements of a run to the step's batch. */
export function closeRun(ctx: StepContext, ok: boolean): void {
  const d1 = ctx.deps.d1
  const runId = ctx.run.id
  ctx.extra.push(
    d1
      .prepare(
        `DELETE FROM run_chunks WHERE run_id = ? AND side NOT IN (?, ?, ?, ?, ?)
           AND NOT (side IN (?, ?) AND bucket = 0 AND seq = 0)`
      )
      .bind(
        runId,
        SIDES.refused,
        SIDES.sampleAdd,
        SIDES.sampleRemove,
        SIDES.sampleUpdate,
        SIDES.holders,
        SIDES.add,
        SIDES.remove
      )
  )
  if (!ctx.dryRun && ctx.run.kind === 'full') {
    // The holder index proves removals only after a complete, successful run (holders.ts).
    const indexed = ok && ctx.run.mode === 'exact' && ctx.cursor.incomplete === null
    ctx.extra.push(
      d1
        .prepare(
          `UPDATE syncs SET holder_run_id = ?,
             last_full_run_at = CASE WHEN ? THEN ? ELSE last_full_run_at END WHERE id = ?`
        )
        .bind(indexed ? runId : null, ok ? 1 : 0, ctx.deps.now(), ctx.run.syncId)
    )
  }
  ctx.extra.push(...pruneStatements(d1, ctx.run.syncId))
}

/** Deletes runs of a sync beyond the newest KEEP_RUNS finished ones (with their rows). */
export function pruneStatements(d1: D1Database, syncId: number): D1PreparedStatement[] {
  // The run holding the sync's holder index is kept however old it is.
  const old = `SELECT id FROM runs WHERE sync_id = ?1 AND status IN ('done','failed','cancelled')
                AND id NOT IN (SELECT id FROM runs WHERE sync_id = ?1 ORDER BY id DESC LIMIT ${KEEP_RUNS})
                AND id IS NOT (SELECT holder_run_id FROM syncs WHERE id = ?1)`
  return [
    d1.prepare(`DELETE FROM run_chunks WHERE run_id IN (${old})`).bind(syncId),
    d1.prepare(`DELETE FROM run_rejects WHERE run_id IN (${old})`).bind(syncId),
    d1.prepare(`DELETE FROM runs WHERE id IN (${old})`).bind(syncId),
  ]
}
