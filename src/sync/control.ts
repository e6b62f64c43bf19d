/**
 * What the user can do to a run from the UI: confirm a run held by the removal guard (it resumes
 * where it stopped, nothing is re-read) or cancel an active run. Both are single conditional
 * statements scoped by tenant, so a double click or a stale page cannot act twice.
 */
import { sql } from 'drizzle-orm'
import type { StartRunDeps } from './start'

export interface RunRef {
  tenantId: number
  runId: number
}

/** Resumes a run waiting for confirmation; false when it is not waiting (or not the tenant's). */
export async function confirmRun(deps: StartRunDeps, ref: RunRef): Promise<boolean> {
  const row = await deps.db.get<{ step_seq: number } | undefined>(sql`
    UPDATE runs SET status = 'running', step_seq = step_seq + 1,
      cursor = json_set(cursor, '$.confirmed', json('true'), '$.v', COALESCE(json_extract(cursor, '$.v'), 0) + 1)
    WHERE id = ${ref.runId} AND tenant_id = ${ref.tenantId} AND status = 'needs_confirmation'
    RETURNING step_seq`)
  if (!row) return false
  await deps.queue.send({ type: 'run-step', runId: ref.runId, seq: row.step_seq })
  return true
}

/**
 * Cancels a queued, running or held run. A step already in flight finds the run cancelled (its
 * fenced commit writes nothing); writes already sent to Unisender stay (each batch is complete).
 */
export async function cancelRun(deps: StartRunDeps, ref: RunRef): Promise<boolean> {
  const row = await deps.db.get<{ id: number } | undefined>(sql`
    UPDATE runs SET status = 'cancelled', step_seq = step_seq + 1, finished_at = ${deps.now()},
      error_code = 'cancelled', error_message = 'Cancelled by the user.'
    WHERE id = ${ref.runId} AND tenant_id = ${ref.tenantId}
      AND status IN ('queued', 'running', 'needs_confirmation')
    RETURNING id`)
  if (!row) return false
  await deps.db.run(sql`DELETE FROM run_chunks WHERE run_id = ${ref.runId}
    AND side NOT IN ('a', 'r') AND NOT (side IN ('A', 'R') AND bucket = 0 AND seq = 0)`)
  // A member of a shared read cancelled while it waits read nothing itself: the rejects its
  // leader staged into it go too (docs/shared-read.md). The leader stages nothing more into a
  // cancelled run.
  await deps.db.run(sql`DELETE FROM run_rejects WHERE run_id = ${ref.runId}
    AND (SELECT phase FROM runs WHERE id = ${ref.runId}) = 'shared_wait'`)
  return true
}
