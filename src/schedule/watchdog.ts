/**
 * The stalled-run watchdog. Runs are chains of queue messages; Cloudflare Queues deliver at least
 * once, but a message that is lost anyway (seen locally when the module's process is killed or
 * wrangler dev reloads) would leave its run 'running' for ever and block its sync (one active run
 * per sync). A run that is overdue — no commit for STEP_STALL_MS, or, while its step backs off, no
 * commit by its retry time plus the same margin — gets its current step re-sent: every step is
 * fenced by (step_seq, cursor version), so if the original message is merely late, one of the two
 * does the step and the other is acknowledged as a duplicate.
 */
import { and, eq, inArray, lt, sql } from 'drizzle-orm'
import { runs } from '../db/schema'
import { log } from '../lib/log'
import type { ScheduleDeps } from './deps'

/**
 * How long a run may go without a commit while its step is not backing off. A step commits within
 * seconds to a couple of minutes (src/sync): a CRM step reads 50 pages paced 110 ms apart (≈ 5 s,
 * up to ≈ 25 s on a slow CRM); an import commits after every call (≤ 30 s, the clients' timeout,
 * calls 55 ms apart); an export poll is one call followed by a delay of at most 30 s; and any loop
 * of calls stops at the step's 60 s time budget (STEP_TIME_BUDGET_MS in src/sync/context.ts). The
 * longest legitimate gap is that budget plus one call that waited for the tenant's shared CRM
 * window (≤ 60 s), ran to its 30 s timeout and used the in-place rate-limit retries (≤ 1.75 s),
 * plus a D1 commit and the queue's delivery of the next message: about 2.5 minutes. Five minutes
 * is twice that, and with the cron tick every minute a lost message is re-sent within 6 minutes.
 * A revival that comes too early is harmless (fenced), only wasted work.
 */
export const STEP_STALL_MS = 5 * 60_000

/** Former name, kept for existing callers: the threshold is now STEP_STALL_MS. */
export const STALL_MS = STEP_STALL_MS

/** Runs revived per tick at most (the rest are revived by the next ticks). */
const PER_TICK = 50

/** When the run last showed progress. */
const lastProgress = sql`coalesce(${runs.steppedAt}, ${runs.startedAt}, ${runs.createdAt})`

/**
 * When the run is overdue: STEP_STALL_MS after its last progress, or, while its step backs off
 * (the engine records the retry time in the cursor, src/sync/state.ts `retryAt`), the same margin
 * after that retry time, whichever is later.
 */
const overdueAt = sql`max(${lastProgress} + ${STEP_STALL_MS},
  coalesce(json_extract(${runs.cursor}, '$.retryAt'), 0) + ${STEP_STALL_MS})`

/** Re-sends the current step of stalled active runs; returns their ids. */
export async function reviveStalledRuns(deps: ScheduleDeps): Promise<number[]> {
  const now = deps.now()
  const stalled = await deps.db
    .select({ id: runs.id, seq: runs.stepSeq })
    .from(runs)
    .where(and(inArray(runs.status, ['queued', 'running']), lt(overdueAt, now)))
    .limit(PER_TICK)
  const revived: number[] = []
  for (const r of stalled) {
    // Claim it first (conditional on the same step), so two ticks do not both re-send.
    const claimed = await deps.db
      .update(runs)
      .set({ steppedAt: now })
      .where(and(eq(runs.id, r.id), eq(runs.stepSeq, r.seq), lt(overdueAt, now)))
      .returning({ id: runs.id })
    if (claimed.length === 0) continue
    await deps.queue.send({ type: 'run-step', runId: r.id, seq: r.seq })
    log.warn('run_revived', { run: r.id, phase: 'watchdog', detail: r.seq })
    revived.push(r.id)
  }
  return revived
}
