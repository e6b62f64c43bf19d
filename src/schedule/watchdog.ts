/**
 * The stalled-run watchdog. Runs are chains of queue messages; Cloudflare Queues deliver at least
 * once, but a message that is lost anyway (seen locally when wrangler dev reloads) would leave its
 * run 'running' for ever and block its sync (one active run per sync). A run whose last step
 * committed more than STALL_MS ago gets its current step re-sent: every step is fenced by
 * (step_seq, cursor version), so if the original message is merely late, one of the two does the
 * step and the other is acknowledged as a duplicate.
 */
import { and, eq, inArray, lt, sql } from 'drizzle-orm'
import { runs } from '../db/schema'
import type { ScheduleDeps } from './deps'

/**
 * Longer than any legitimate gap between two commits of a run: a retried step commits before it
 * waits, and the longest wait is the 15-minute retry backoff (src/handlers/queue.ts).
 */
export const STALL_MS = 30 * 60_000

/** Runs revived per tick at most (the rest are revived by the next ticks). */
const PER_TICK = 50

/** When the run last showed progress. */
const lastProgress = sql`coalesce(${runs.steppedAt}, ${runs.startedAt}, ${runs.createdAt})`

/** Re-sends the current step of stalled active runs; returns their ids. */
export async function reviveStalledRuns(deps: ScheduleDeps): Promise<number[]> {
  const now = deps.now()
  const stalled = await deps.db
    .select({ id: runs.id, seq: runs.stepSeq })
    .from(runs)
    .where(and(inArray(runs.status, ['queued', 'running']), lt(lastProgress, now - STALL_MS)))
    .limit(PER_TICK)
  const revived: number[] = []
  for (const r of stalled) {
    // Claim it first (conditional on the same step), so two ticks do not both re-send.
    const claimed = await deps.db
      .update(runs)
      .set({ steppedAt: now })
      .where(and(eq(runs.id, r.id), eq(runs.stepSeq, r.seq), lt(lastProgress, now - STALL_MS)))
      .returning({ id: runs.id })
    if (claimed.length === 0) continue
    await deps.queue.send({ type: 'run-step', runId: r.id, seq: r.seq })
    console.warn(`schedule: run ${r.id} made no progress for 30 min; re-sent step ${r.seq}`)
    revived.push(r.id)
  }
  return revived
}
